package dev.rollcall.storage.sqlite;

import dev.rollcall.delivery.DeliveryQueue;
import dev.rollcall.tests.DeliveryQueueContract;
import java.nio.file.Path;

class SqliteDeliveryQueueTest extends DeliveryQueueContract {
  @Override
  protected DeliveryQueue open(Path dir) {
    return SqliteDeliveryQueue.open(dir.resolve("deliveries.db"));
  }
}
