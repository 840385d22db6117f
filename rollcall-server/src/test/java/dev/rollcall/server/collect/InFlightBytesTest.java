package dev.rollcall.server.collect;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

final class InFlightBytesTest {
  private final InFlightBytes budget = new InFlightBytes(1_000);

  @Test
  void growTo_reservesOnlyWhatTheRequestDoesNotHoldYet() {
    InFlightBytes.Reservation first = budget.open();
    assertThat(first.growTo(600)).isTrue();
    assertThat(first.growTo(400)).as("less than held").isTrue();
    assertThat(first.growTo(700)).isTrue();

    InFlightBytes.Reservation second = budget.open();
    assertThat(second.growTo(300)).as("700 + 300 fit").isTrue();
    assertThat(second.growTo(301)).as("one byte more does not").isFalse();
    assertThat(budget.open()).as("a request once the budget is spent").isNull();
  }

  @Test
  void release_givesTheBytesBack_once() {
    InFlightBytes.Reservation first = budget.open();
    first.growTo(900);
    InFlightBytes.Reservation second = budget.open();
    assertThat(second.growTo(200)).isFalse();

    first.release();
    first.release();
    assertThat(second.growTo(200)).isTrue();
    InFlightBytes.Reservation third = budget.open();
    assertThat(third.growTo(800)).as("released twice, given back once").isTrue();
    assertThat(third.growTo(801)).isFalse();
  }

  @Test
  void aRequestAlone_fitsBeyondTheBudget() {
    InFlightBytes.Reservation alone = budget.open();
    assertThat(alone.growTo(5_000)).isTrue();
    assertThat(budget.open()).isNull();
  }

  @Test
  void aReleasedReservation_growsNoMore() {
    InFlightBytes.Reservation reservation = budget.open();
    reservation.release();
    assertThat(reservation.growTo(10)).isFalse();
    assertThat(budget.open().growTo(1_000)).as("nothing was held").isTrue();
  }
}
