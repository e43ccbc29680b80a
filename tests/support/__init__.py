"""What several test modules share: fakes, builders and helpers. No test imports another test
module; they import from here."""
