"""Background jobs the bot's processes run besides answering updates (retention; see bot/app.py)."""
