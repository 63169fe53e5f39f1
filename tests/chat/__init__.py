"""End to end through the bot: the real PTB application polling the fake Bot API, on real databases."""
