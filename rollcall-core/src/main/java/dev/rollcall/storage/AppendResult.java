package dev.rollcall.storage;

/**
 * What an append did: how many entries it stored, and how many it recognized as already stored
 * (same source and {@code messageId} within the de-duplication window) and skipped.
 */
public final class AppendResult {
  private final int appended;
  private final int duplicates;

  public AppendResult(int appended, int duplicates) {
    this.appended = appended;
    this.duplicates = duplicates;
  }

  public int appended() {
    return appended;
  }

  public int duplicates() {
    return duplicates;
  }
}
