package dev.rollcall.destination;

import dev.rollcall.destination.amplitude.AmplitudeDestination;
import dev.rollcall.destination.customerio.CustomerIoDestination;
import dev.rollcall.destination.hubspot.HubSpotDestination;
import dev.rollcall.destination.intercom.IntercomDestination;
import dev.rollcall.destination.mailchimp.MailchimpDestination;
import dev.rollcall.destination.mixpanel.MixpanelDestination;
import dev.rollcall.destination.salesforce.SalesforceDestination;
import dev.rollcall.destination.webhook.WebhookDestination;
import java.util.List;
import java.util.stream.Collectors;

/** Every destination Rollcall can send to, found by name as Segment spells it, in any case. */
public final class Destinations {
  private static final List<Destination> ALL =
      List.of(
          new MixpanelDestination(),
          new IntercomDestination(),
          new MailchimpDestination(),
          new SalesforceDestination(),
          new HubSpotDestination(),
          new CustomerIoDestination(),
          new AmplitudeDestination(),
          new WebhookDestination());

  private Destinations() {}

  public static List<Destination> all() {
    return ALL;
  }

  /** The destination named {@code name} ({@code "MailChimp"}, {@code customerio}), or null. */
  public static Destination find(String name) {
    String key = Destination.key(name);
    for (Destination destination : ALL) {
      if (Destination.key(destination.name()).equals(key)) return destination;
    }
    return null;
  }

  /** The names, for messages that list them. */
  public static String names() {
    return ALL.stream().map(Destination::name).collect(Collectors.joining(", "));
  }
}
