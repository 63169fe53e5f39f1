"""How the bot's messages look: text, labels, numbers, keyboards, charts.

Shared by the chat (handlers/), the dashboard and exports (bot/web/) and the workers (bot/workers/); it imports
none of them.
"""
