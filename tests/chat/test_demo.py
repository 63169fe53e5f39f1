"""`quickwin demo` as a newcomer runs it: no token, no Telegram; the printed links work; Ctrl-C leaves nothing behind."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from tests.support.dashboard_helpers import free_port, sign_in
from tests.support.processes import env_for

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{pid}$", text, re.MULTILINE):
            found.append(int(status.parent.name))
    return found


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


async def test_the_demo_runs_without_telegram_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    # No token, and a Bot API address nothing answers at: the demo must talk only to its own stand-in.
    env = env_for(tmp_path, TMPDIR=str(tmp_path), BOT_TOKEN="", TELEGRAM_API_URL="http://127.0.0.1:9")
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "demo", "--port", str(port)], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        printed: list[str] = []
        for line in process.stdout:  # the process prints the links once it serves
            printed.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        output = "".join(printed)
        print(f"demo up after {time.monotonic() - started:.1f} s")  # a figure for the closing note, not a test
        assert "Quick Win Bot demo is running" in output, output
        links = dict(re.findall(r"Sign in as (official|admin):\s+(\S+)", output))
        assert set(links) == {"official", "admin"} and all(u.startswith(f"http://127.0.0.1:{port}/masuk?token=") for u in links.values())
        assert list(tmp_path.glob("quickwin-demo-*/demo.db"))

        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            (await sign_in(http, links["official"].split(str(port), 1)[1])).close()
            async with http.get("/dasbor") as r:
                page = await r.text()
            assert r.status == 200 and "Ringkasan: Kota Cirebon" in page  # the demo official's region, with figures
            assert "Belum ada penilaian" not in page
            async with http.get("/dasbor/coba") as r:
                csrf = CSRF.search(await r.text())
            assert r.status == 200 and csrf is not None
            async with http.post("/dasbor/coba/kirim", data={"csrf": csrf.group(1), "teks": "/start"}) as r:
                body = await r.text()
                assert r.status == 200 and "Selamat datang di <b>Quick Win Bot</b>!" in body, body[body.find("<main"):]
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            (await sign_in(http, links["admin"].split(str(port), 1)[1])).close()
            async with http.get("/dasbor") as r:
                assert r.status == 200 and "Seluruh Indonesia" in await r.text()

        children = _children(process.pid)
        process.send_signal(signal.SIGINT)  # Ctrl-C
        assert process.wait(timeout=60) == 0
        rest = process.stdout.read()
        assert "Traceback" not in rest, rest
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
    assert not [pid for pid in children if _alive(pid)]
    assert not list(tmp_path.glob("quickwin-demo-*"))  # its database folder is removed
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0  # nothing listens any more
