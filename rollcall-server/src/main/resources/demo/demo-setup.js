// analytics-next's UMD loader reads window.analytics._cdn when it starts, and loads its chunks
// from _cdn + "/analytics-next/bundles/": point it at this server's copy under /demo.
window.analytics = { _cdn: location.origin + "/demo" };
