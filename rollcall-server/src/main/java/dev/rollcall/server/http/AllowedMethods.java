package dev.rollcall.server.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code 405 Method Not Allowed}, with {@code Allow}, for a path that a router serves under other
 * methods, read from the router's own routes, so that a route added later is covered without a
 * word.
 *
 * <p>A route that names its methods ({@code router.get(...)}, {@code routeWithRegex(POST, ...)})
 * makes its path take them; a route for every method (CORS headers, authentication, a mounted
 * router's own routes aside) does not make a path exist. HEAD is taken wherever GET is, answered as
 * the GET without its body (RFC 9110: a server that takes GET takes HEAD), over HTTP/1.1; over
 * HTTP/2 Vert.x 5.0 would send the body, so there HEAD is a 405 that allows GET. A path whose only
 * method is OPTIONS, a CORS preflight, is not a resource: a 404 there, as before.
 *
 * <p>A route from a pattern that passes some of its paths on (the console's {@code
 * /console/([a-z]*)}, for pages it does not have) counts for all of them: another method there is a
 * 405 rather than a 404. Only running the handler would tell.
 *
 * <p>Vert.x Web answers 405 itself only when no route at all matched, with an empty body; here the
 * last route of a router asks this class instead, and errors are JSON in the API's shape.
 */
public final class AllowedMethods {
  /** Sends the 405's error in an API's shape. */
  public interface Errors {
    void send(RoutingContext ctx, int status, String message);
  }

  private AllowedMethods() {}

  /**
   * A handler for the last route of {@code router}: 405 with {@code Allow} (in {@code errors}'
   * shape) where the path is served under other methods, HEAD answered as GET where GET is served,
   * else {@code otherwise} (a 404, or the parent router's next route).
   */
  public static Handler<RoutingContext> lastRoute(
      Router router, Errors errors, Handler<RoutingContext> otherwise) {
    return ctx -> {
      HttpMethod method = ctx.request().method();
      // Vert.x 5.0 drops the body of a HEAD answer over HTTP/1.x only; over HTTP/2 it would send
      // the GET's body, so HEAD is not taken there
      boolean headTaken = ctx.request().version() != HttpVersion.HTTP_2;
      Set<String> allowed = of(router, relativePath(ctx), headTaken);
      if (method == HttpMethod.HEAD && allowed.contains("HEAD")) {
        // answered by the GET's route; Vert.x sends no body to a HEAD request
        ctx.reroute(HttpMethod.GET, ctx.request().uri());
      } else if (allowed.isEmpty() || allowed.contains(method.name())) {
        // nothing here, or a route of this method matched and passed it on (an unknown page)
        otherwise.handle(ctx);
      } else {
        String allow = String.join(", ", allowed);
        ctx.response().putHeader("Allow", allow);
        errors.send(
            ctx,
            405,
            method.name() + " is not allowed at " + ctx.request().path() + "; it takes " + allow);
      }
    };
  }

  /**
   * The methods, by name in alphabetical order, that the routes of {@code router} take at {@code
   * path} (relative to where the router is mounted), with HEAD where GET is when {@code headTaken};
   * empty when none, or only OPTIONS.
   */
  static Set<String> of(Router router, String path, boolean headTaken) {
    Set<String> methods = new TreeSet<>();
    collect(router, path, methods);
    if (headTaken && methods.contains("GET")) methods.add("HEAD");
    if (methods.equals(Set.of("OPTIONS"))) methods.clear();
    return methods;
  }

  private static void collect(Router router, String path, Set<String> methods) {
    for (Route route : router.getRoutes()) {
      Router mounted = route.getSubRouter();
      if (mounted != null) {
        String mount = withoutTrailingSlash(route.getPath());
        if (path.startsWith(mount + "/")) {
          collect(mounted, path.substring(mount.length()), methods);
        }
        continue;
      }
      Set<HttpMethod> own = route.methods();
      if (own != null && !own.isEmpty() && matches(route, path)) {
        own.forEach(method -> methods.add(method.name()));
      }
    }
  }

  /**
   * Whether {@code route} serves {@code path}, as Vert.x Web matches: a regular expression against
   * the whole path, a path with parameters ({@code :writeKey}) one segment per parameter, a path
   * ending in {@code *} as a prefix, else the path itself, with or without a trailing slash.
   */
  static boolean matches(Route route, String path) {
    String declared = route.getPath();
    if (declared == null) {
      // a route made from a regular expression is named by it unless named otherwise
      String regex = route.getName();
      return regex != null && Pattern.compile(regex).matcher(path).matches();
    }
    if (!route.isExactPath()) {
      return path.startsWith(declared);
    }
    if (declared.indexOf(':') >= 0) {
      String regex =
          Pattern.compile("/")
              .splitAsStream(declared)
              .map(segment -> segment.startsWith(":") ? "[^/]+" : Pattern.quote(segment))
              .collect(Collectors.joining("/"));
      return Pattern.compile(regex + "/?").matcher(path).matches();
    }
    String exact = withoutTrailingSlash(declared);
    return path.equals(exact) || path.equals(exact + "/");
  }

  /** The request's path relative to the router it is in, as that router's routes declare theirs. */
  private static String relativePath(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    String mount = ctx.mountPoint();
    if (mount == null || mount.isEmpty()) return path;
    String prefix = withoutTrailingSlash(mount);
    return path.startsWith(prefix) ? path.substring(prefix.length()) : path;
  }

  private static String withoutTrailingSlash(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}
