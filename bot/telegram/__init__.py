"""The outbound path to the Bot API: every call python-telegram-bot makes passes through `Outbound`."""
