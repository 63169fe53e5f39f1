"""One piece at a time, without the bot application: pure functions, the catalogues, the HTTP layer, the fake itself."""
