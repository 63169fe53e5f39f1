"""The rules the chat, the dashboard and the workers share, with no Telegram and no aiohttp in them."""
