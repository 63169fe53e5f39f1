"""A fake Telegram Bot API server for end-to-end tests and benchmarks.

The real python-telegram-bot stack (``Bot``/``Application`` → httpx → HTTP)
talks to this aiohttp server on 127.0.0.1 instead of the real Bot API, so the
tests exercise request encoding, response decoding, long polling and error
handling exactly as in production.  The server is deliberately *strict*: it
rejects what Telegram rejects (bad HTML, over-long texts, oversized callback
data, "message is not modified" edits, ...) and records every rejection in
:attr:`FakeBotAPI.errors`, so a test can simply assert that list is empty.

Typical use::

    api = FakeBotAPI()
    await api.start()
    app = (ApplicationBuilder().token(api.token)
           .base_url(api.bot_base_url).base_file_url(api.file_base_url).build())
    ...
    user = api.user(42)
    api.push_update(api.message_update(user, "/start"))
    call = await api.wait_for(lambda c: c.method == "sendMessage")
    assert api.sent(42)[-1].text == "Selamat datang!"
    assert api.errors == []
    await api.stop()

Records:

* ``calls``   - every request, in completion order (``Call.at`` is the
  arrival time, so long polls may look "out of order").  ``Call.response`` is
  the ``result`` payload of a successful call and ``None`` for a failed one.
* ``errors``  - one human-readable line per rejected request.  A getUpdates
  terminated by a newer getUpdates (HTTP 409, as Telegram does) is *not* an
  error here: PTB cancels its pending poll on shutdown and immediately polls
  once more, so the "conflict" only ever hits an abandoned request.
* ``counts``  - requests per method, kept even when ``record_calls=False``.
* ``sent(chat_id)``         - the bot's messages with their current state.
* ``callback_answers()``    - params of accepted answerCallbackQuery calls.
* ``my_commands(...)``      - what setMyCommands stored.
* ``my_text(key, ...)``     - what setMyDescription / setMyShortDescription stored
  (key "description" or "short_description"), by language_code.
* ``rate_limited`` / ``rate_limited_at`` - (method, chat_id) of every 429 answer
  (flood control, penalties and injected ones alike) and, in a parallel list,
  the ``clock`` reading when it was given.
* ``free_delivery_times`` / ``paid_delivery_times`` - ``clock`` readings of
  the messages delivered by the message-creating methods (``FLOOD_METHODS``),
  without / with ``allow_paid_broadcast``; kept whatever ``flood_control``,
  ``store_messages`` and ``record_calls`` say, but only the last
  ``delivery_log`` (default 200,000) of each.  ``max_in_window(seconds=1.0,
  *, paid=None)`` is the most of them within any ``seconds`` (an event exactly
  ``seconds`` older than another is outside its window, as for flood
  control): all messages, or only the paid (``paid=True``) or free
  (``paid=False``) ones.
* ``injected``, ``dropped``, ``outages`` - see fault injection and outages.

Helpers: ``add_file()`` registers a file "uploaded by a user" (for
``message_update(user, photo=[...])``/``document=...``; the bot can getFile and
download it), ``make_png(w, h)`` builds a valid PNG for sendPhoto.
Memory: ``record_calls=False`` keeps no Call objects (``counts`` and
``wait_for`` on future calls still work); ``max_calls`` caps ``calls``,
dropping the oldest.  Confirmed updates are forgotten, as in Telegram.
``store_messages=False`` keeps no StoredMessage either: only ``delivered``
(a total) and ``delivered_by_chat`` (chat id -> count), which are kept in
every mode.  ``accept_any_chat=True`` lets the bot write to chats that never
sent an update (synthetic private chats, or groups for negative ids; no
per-chat object is created for them unless messages are stored), so a
benchmark can address 100,000 chats.

Groups: a negative chat id is a group chat (``-100...`` a supergroup).
``group(chat_id, title="Grup")`` registers one the bot is a member of and
returns its Chat object; the bot may send there at once.
``message_update(user, text, chat=<that Chat object>)`` is a member's message
in the group (message ids follow the group's counter), and
``callback_update(user, message_id, data, chat=<Chat object or id>)`` a
member's press on the bot's message there.  Neither opens the member's
private chat to the bot.  A group first seen in a pushed update (any Chat
object with a negative id) becomes known as well.

Flood control (off by default; ``flood_control=True``) imitates Telegram's
limits on the message-creating methods (``FLOOD_METHODS``: sendMessage,
sendPhoto, sendDocument, sendMediaGroup, copyMessage, forwardMessage).  Only
delivered messages count, at the ``clock`` reading taken when their request
arrived.  A request is checked against:

* its share of the bot-wide traffic, a sliding window of one second (longer
  for rates below 1/s: 1/rate seconds, one message): a free message (no
  ``allow_paid_broadcast``) against at most ``global_rate`` (default 30) *free*
  messages; a paid one (``allow_paid_broadcast=true``) against at most
  ``paid_rate`` (default 1000) messages *paid and free together*.  So a paid
  broadcast at 500/s does not starve free replies, but free messages still
  count toward the paid ceiling.
* its chat.  A private chat (positive id) has a token bucket (GCRA):
  ``per_chat_burst`` (default 3) messages at once, then ``per_chat_rate``
  (default 1.0) per second sustained.  With emission interval T = 1/rate and
  tolerance tau = (burst - 1) * T, a message arriving at ``now`` is allowed
  iff now >= TAT - tau (TAT, the theoretical arrival time, is ``now`` for a
  chat without state), and its delivery sets TAT = max(TAT, now) + T; a
  refused one gets retry_after = ceil(TAT - tau - now), at least 1.
  ``per_chat_burst=1`` means strictly one message per 1/rate seconds.  A
  chat's state is forgotten once its TAT is in the past (it is then the same
  as none), so memory follows the chats of the last few seconds only.  A
  group (negative id) instead has a sliding window: at most ``group_limit``
  (default 20) messages in any ``group_window`` (default 60.0) seconds;
  retry_after is then the whole seconds until the window frees.  The private
  bucket does not apply to groups.  Both kinds apply to paid messages too.

A request over a limit is answered 429 ``Too Many Requests: retry after N``
with ``parameters.retry_after = N`` (whole seconds, >= 1), is not delivered,
and is counted in ``counts["429"]``, ``rate_limited`` and ``rate_limited_at``
- not in ``errors``.  As in Telegram, the 429 starts a penalty: until
``retry_after`` has elapsed, every request in its scope is answered 429 as
well.  The scopes: the free share of the bot (free messages), the paid share
(paid messages), or the chat or group (free and paid messages to it).  Such
a request - one the bot made although it had been told to wait - *is*
recorded in ``errors`` as ``"ignored retry_after: ..."``, except within
``retry_after_grace`` seconds of the 429 (requests already in flight).
``clock`` (default ``time.monotonic``) drives all of this, so tests can
control time; the limits are attributes and may be changed between requests.

Fault injection (always available; checked in this order: running
penalties, ``fail_next``, ``fail_randomly``, flood control, blocked chats).
``fail_next(method, status=..., description=..., chat_id=..., times=...,
retry_after=..., drop=None)`` makes the next matching request(s) fail with
that status, and a send to a chat in ``blocked_users`` is answered 403
"Forbidden: bot was blocked by the user".  ``fail_randomly(methods, *,
status, probability, seed=0, retry_after=None, description=None, drop=None)``
fails requests of ``methods`` (a method name or an iterable of names, matched
case-insensitively) at random, reproducibly: each registration has its own
``random.Random(seed)`` and draws one number per request of its methods that
passes authentication and parameter parsing (before any check, so also for a
request that a penalty or an earlier failure answers); the request fails iff
that number is below ``probability``.  Several registrations may be live at
once (``random_failures``, in order; the first that hits answers; each
returned ``RandomFault`` counts its ``draws`` and ``hits``).
``clear_failures()`` forgets every ``fail_next`` and ``fail_randomly``
registration (running penalties and ``blocked_users`` stay).  Injected
failures execute nothing, are not errors, and are listed in ``injected`` as
(method, chat_id, status).  An injected 429 defaults to retry_after=1 and
starts a penalty exactly like a real one: with ``fail_next``, for its
``chat_id``, or else bot-wide (for a send: the request's share, free or
paid; for another method: that method); with ``fail_randomly``, for the
request's chat (its chat_id) or, for a request without chat_id
(answerCallbackQuery), for that method across the bot.  A penalty for a
chat covers the sends to it (for a send) or that method's requests to it.  Every 429 counts in ``counts["429"]``, ``rate_limited`` and
``rate_limited_at``.

Dropped connections: ``status=0`` with ``drop="before"`` or ``drop="after"``
(``Drop = Literal["before", "after"]``; each requires the other) closes the
TCP connection instead of answering, with no HTTP response at all.
``"before"``: the request is not executed (nothing delivered, an update
offset not confirmed); its Call has ``ok=False`` and ``error =
DROPPED_BEFORE``.  ``"after"``: the request goes through the remaining checks
and its handler as usual (a message IS delivered, a 429 or 400 is recorded
as usual), then the connection is closed instead of answering.  Both are
listed in ``injected`` (status 0) and in ``dropped`` as (method, chat_id,
drop).  httpx sees ``RemoteProtocolError: Server disconnected without
sending a response``, which PTB raises as ``NetworkError``; aiohttp's client
raises ``ServerDisconnectedError``.  aiohttp's server logs nothing for it.

Outages: ``await go_down()`` makes the server unreachable: it stops
listening (new connections are refused: PTB ``NetworkError`` from
``httpx.ConnectError``), closes every open connection (a request in progress
or a pooled keep-alive connection fails with a network error) and so ends
held getUpdates polls (their handlers are cancelled; no update is lost, as
none is confirmed).  ``await come_back()`` listens again on the same host
and port; all state is kept (chats, messages, queued updates - ``push_update``
works while down - counters, penalties, failures).  ``await
down_for(seconds)`` goes down and schedules ``come_back()`` after ``seconds``
of real time (asyncio.sleep, not ``clock``); it returns that task, and an
earlier ``come_back()`` cancels it.  ``is_down`` tells which; ``outages``
lists (down at, back at or None while down) ``clock`` readings.  Both are
no-ops when already in the requested state.  Webhook deliveries (requests
*from* the fake to the bot) are not affected.

PTB note: python-telegram-bot 22.x reads ``RetryAfter.retry_after`` in the
exception's constructor, which warns (PTBDeprecationWarning) unless the
environment has ``PTB_TIMEDELTA=1``; under ``filterwarnings = error`` a 429
then surfaces as that warning instead of RetryAfter.  Tests that provoke 429s
set ``PTB_TIMEDELTA=1`` (then ``retry_after`` is a ``timedelta``).

Deliberate deviations from the real server (all "stricter" or "simpler"):

* HTML: a bare ``&`` is rejected (Telegram tolerates it, its docs do not);
  ``<a>`` without ``href`` is rejected; a bare ``>`` is accepted as Telegram
  does.  MarkdownV2/Markdown are rejected outright (not implemented).
* Inline buttons must carry exactly one action field.
* Photos must be PNG/JPEG whose dimensions can be read from the header.
* Inline messages and channels are not modelled; groups only as above (no
  members, rights, join/leave updates or migration to a supergroup).  Every
  positive chat id is the private chat of a user that sent an update (or,
  with ``accept_any_chat``, a synthetic chat).  sendMediaGroup, copyMessage
  and forwardMessage are not implemented (404), although flood control would
  count them.
* Texts are trimmed of surrounding whitespace (as Telegram does) before the
  empty/length checks; entity offsets are UTF-16 code units.

Run standalone for manual trials::

    python -m tests.support.fakebot --port 8081 --token 123:TEST [--flood] [--global-rate 30]
        [--per-chat-rate 1] [--per-chat-burst 3] [--group-limit 20] [--group-window 60]
        [--paid-rate 1000] [--accept-any-chat] [--no-store-messages] [--blocked 5,6]

which also exposes a tiny control API under ``/_fake/`` (control.py):
``message`` (a ``chat_id`` makes it a group message), ``callback``,
``sent/{chat_id}``, ``errors``, ``stats``, ``block``, ``fail`` (``fail_next``,
``drop`` included), ``fail_randomly``, ``clear_failures`` and ``down``
(``{"seconds": N}``: ``down_for(N)``; the control API goes down too, hence
the mandatory duration).  SIGUSR1 / SIGUSR2 make the standalone server go
down / come back.

The package, one concern a module: ``records`` (what a test reads, Telegram's limits and error texts),
``htmltext`` (the HTML subset), ``validation`` (parameters, markup), ``files``, ``flood`` (the gate before
every method), ``faults`` (injected failures, outages), ``updates`` (into the bot: the queue, long polls,
the webhook), ``messages`` (the message methods), ``profile`` (commands, descriptions), ``recording``
(observers, calls, ``wait_for``), ``plumbing`` (HTTP), ``control`` (``/_fake/``), ``server``
(``FakeBotAPI``: the state and the method table, the mixins above), ``standalone`` (``main``).
Benchmarks watch the traffic through the public hooks ``observe`` (every finished request) and
``observe_arrivals`` (every request as it arrives), not by overriding the server's methods.
"""

from tests.support.fakebot.files import make_png
from tests.support.fakebot.htmltext import HtmlParseError, parse_html, utf16_len
from tests.support.fakebot.records import DROPPED_BEFORE, FLOOD_METHODS, Call, Drop, RandomFault, StoredMessage
from tests.support.fakebot.server import FakeBotAPI

__all__ = [
    "DROPPED_BEFORE",
    "FLOOD_METHODS",
    "Call",
    "Drop",
    "FakeBotAPI",
    "HtmlParseError",
    "RandomFault",
    "StoredMessage",
    "make_png",
    "parse_html",
    "utf16_len",
]
