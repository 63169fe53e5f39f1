"""Files: images read and made (``make_png``), uploads and file ids stored, getFile and the download route."""

from __future__ import annotations

import mimetypes
import struct
import zlib
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from tests.support.fakebot.records import JSON, FileValue, _bad, _StoredFile


def _image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG or JPEG, read from its header; None if neither."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if not data.startswith(b"\xff\xd8"):
        return None
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xDA)):  # markers without a length field
            i += 2
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # start of frame
            if i + 9 > len(data):
                return None
            height = int.from_bytes(data[i + 5 : i + 7], "big")
            width = int.from_bytes(data[i + 7 : i + 9], "big")
            return width, height
        i += 2 + length
    return None


def make_png(width: int = 1, height: int = 1) -> bytes:
    """A valid RGB PNG of the given size, for sendPhoto tests and message_update photos."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


class FilesMixin:
    """Uploaded, sent and downloadable files.

    A part of ``FakeBotAPI``, whose ``__init__`` holds the state.
    """

    def add_file(
        self, content: bytes, filename: str | None = None, *, kind: str = "documents"
    ) -> JSON:
        """Register a file as if a user had uploaded it; returns the file object
        (file_id, file_unique_id, file_size, plus file_name / width+height) to put
        into a message_update(document=..., photo=[...]). The bot can getFile it."""
        return self._file_json(self._store_file(content, filename, None, kind))

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._reply(False, "Unauthorized", 401)
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None or stored.content is None:
            return self._reply(False, "Not Found", 404)
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )

    @staticmethod
    def _file_json(stored: _StoredFile) -> JSON:
        """A Document, or a PhotoSize for photos (Telegram has no file_name there)."""
        obj: JSON = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if stored.content is not None:
            obj["file_size"] = len(stored.content)
        if stored.file_path.startswith("photos/"):
            obj.update(width=stored.width or 0, height=stored.height or 0)
        else:
            if stored.filename:
                obj["file_name"] = stored.filename
            if stored.mime_type:
                obj["mime_type"] = stored.mime_type
        return obj

    def _store_file(
        self, content: bytes | None, filename: str | None, url: str | None, kind: str
    ) -> _StoredFile:
        n = next(self._file_ids)
        ext = ""
        if filename and "." in filename:
            ext = "." + filename.rsplit(".", 1)[1]
        elif kind == "photos":
            ext = ".png" if content and content.startswith(b"\x89PNG") else ".jpg"
        stored = _StoredFile(
            file_id=f"FAKE{kind[:3].upper()}{n:08d}{'U' if url else 'B'}",
            file_unique_id=f"fu{n:08d}",
            file_path=f"{kind}/file_{n}{ext}",
            filename=filename,
            content=content,
            mime_type=mimetypes.guess_type(filename)[0] if filename else None,
        )
        if kind == "photos":
            size = _image_size(content) if content is not None else None
            stored.width, stored.height = size or (0, 0)  # unknown for URLs
            stored.mime_type = (
                "image/png" if content and content.startswith(b"\x89PNG") else "image/jpeg"
            )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _media_file(self, kind: str, params: JSON, files: dict[str, FileValue]) -> _StoredFile:
        """The uploaded part, a known file_id, or a URL (recorded, never fetched)."""
        value: Any = params.get(kind)
        part_name = kind
        if isinstance(value, str) and value.startswith("attach://"):
            part_name, value = value[len("attach://") :], None
        if value is None:
            upload = files.get(part_name)
            if upload is None:
                raise _bad(f"there is no {kind} in the request")
            filename, content = upload if isinstance(upload, tuple) else (None, upload)
            if not content:
                raise _bad("file must be non-empty")
            if kind == "photo":
                size = _image_size(content)
                if size is None or 0 in size:
                    raise _bad("IMAGE_PROCESS_FAILED")
                if sum(size) > 10000 or max(size) > 20 * min(size):
                    raise _bad("PHOTO_INVALID_DIMENSIONS")
            return self._store_file(content, filename, None, f"{kind}s")
        if not isinstance(value, str):
            raise _bad(f"wrong type of the {kind} specified")
        if value in self._files:
            return self._files[value]
        if urlsplit(value).scheme in ("http", "https"):
            return self._store_file(None, value.rsplit("/", 1)[-1] or None, value, f"{kind}s")
        raise _bad("wrong file identifier/HTTP URL specified")

    def _get_file(self, params: JSON, files: dict[str, FileValue]) -> JSON:
        stored = self._files.get(params.get("file_id", ""))
        if stored is None:
            raise _bad("invalid file_id")
        if stored.content is None:
            raise _bad("fakebot: file was sent by URL and has no content")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }
