"""The open-data files of a dataset, for `quickwin opendata export/push` and for the public page's downloads.

`published_file(session, "quickwin-32-73.csv", ...)` gives one file as the export writes it (its content type and
bytes), or None for a name that is not one of ours: the public page can serve ``/publik/data/{filename}`` with it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import Translator
from bot.services import opendata
from bot.services.opendata_meta import Publisher, metadata

CSV, JSON, METADATA = ".csv", ".json", ".metadata.json"


@dataclass(frozen=True, slots=True)
class DatasetFiles:
    dataset: opendata.Dataset
    metadata: dict[str, object]
    files: dict[str, bytes]  # file name -> contents: NAME.csv, NAME.json, NAME.metadata.json

    def filename(self, suffix: str) -> str:
        return self.dataset.name + suffix


def dataset_files(dataset: opendata.Dataset, publisher: Publisher, t: Translator) -> DatasetFiles:
    meta = metadata(dataset, publisher, t)
    meta_bytes = (json.dumps(meta, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    return DatasetFiles(dataset, meta, {
        dataset.name + CSV: opendata.csv_bytes(dataset),
        dataset.name + JSON: opendata.json_bytes(dataset),
        dataset.name + METADATA: meta_bytes,
    })


async def build_files(session: AsyncSession, *, now: datetime, publisher: Publisher, t: Translator,
                      region_codes: Sequence[str] | None = None) -> list[DatasetFiles]:
    """Every dataset's files (region_codes None: the national one and every region's)."""
    found = await opendata.build_datasets(session, now=now, region_codes=region_codes)
    return [dataset_files(d, publisher, t) for d in found]


async def published_file(session: AsyncSession, filename: str, *, now: datetime, publisher: Publisher,
                         t: Translator) -> tuple[str, bytes] | None:
    """(content type, bytes) of one open-data file by its name; None when there is no such file."""
    parts = opendata.split_filename(filename)
    if parts is None:
        return None
    name, suffix = parts
    code = opendata.region_code_of(name)
    found = await opendata.build_datasets(session, now=now, region_codes=None if code is None else [code])
    for dataset in found:
        if dataset.name == name:
            return opendata.SUFFIXES[suffix], dataset_files(dataset, publisher, t).files[filename]
    return None
