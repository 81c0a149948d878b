"""An upload handler that streams each file straight into evidence storage.

Django's default handlers keep small uploads in memory and large ones in a temporary file of the system's
temp folder, whole, before the view sees them. This handler instead writes every chunk into a temporary
file beside the final storage folder, hashing and counting as it goes; a file whose extension is not
accepted is not written at all, and one that passes the size limit is dropped at that chunk. The view then
hands the result to ``evidence_upload``, which only has to check the content and rename the file.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers

from evidence import storage, validation


class StreamedUpload(UploadedFile):
    """A file already in evidence storage's temporary folder (or refused on the way, see ``refused``)."""

    def __init__(
        self, *, name: str, spool: storage.Spool | None, size: int, refused: str = "", content_refusal: str = ""
    ) -> None:
        super().__init__(file=spool.file if spool else None, name=name, content_type=None, size=size)
        self.evidence_spool = spool
        self.refused = refused  # "", "too_large" or "bad_type": decided while streaming
        # why the content is not of its extension's type, worded for what it is (`validation.content_refusal`):
        # the service refuses such a file with its own words (`bad_type`); the view says this instead
        self.content_refusal = content_refusal

    def close(self) -> None:
        if self.evidence_spool is not None:
            self.evidence_spool.discard()


class EvidenceUploadHandler(FileUploadHandler):
    """Streams each uploaded file into a ``storage.Spool``. Remembers every spool so the view can clean up."""

    # Chunks of 1 MiB rather than Django's 64 KiB: a 200 MB file is 200 calls through the parser, the hash
    # and the write instead of 3,200, and one chunk is all the memory an upload ever holds.
    chunk_size = 2**20

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.limit = storage.max_upload_bytes()
        self.spools: list[storage.Spool] = []
        self._spool: storage.Spool | None = None
        self._refused = ""
        self._size = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._size = 0
        self._spool = None
        self._refused = ""
        if validation.file_type_for(validation.client_name(self.file_name)) is None:
            self._refused = "bad_type"  # not worth a byte of disk
        else:
            self._spool = storage.Spool(limit=self.limit)
            self.spools.append(self._spool)
        raise StopFutureHandlers

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self._size += len(raw_data)
        if self._spool is not None and not self._spool.write(raw_data):
            self._refused = self._refused or ("too_large" if self._spool.too_large else "")
        return None

    def file_complete(self, file_size: int) -> StreamedUpload:
        spool = self._spool
        if spool is not None and spool.too_large:
            self._refused = "too_large"
        content_refusal = ""
        if spool is not None and not self._refused:
            spool.finish()
            if spool.error is None and spool.size:
                name = validation.client_name(self.file_name)
                content_refusal = validation.content_refusal(name, spool.file) or ""
        return StreamedUpload(
            name=self.file_name or "",
            spool=None if self._refused else spool,
            size=self._size,
            refused=self._refused,
            content_refusal=content_refusal,
        )

    def upload_interrupted(self) -> None:
        self.cleanup()

    def cleanup(self) -> None:
        """Remove every temporary file this request left behind (placed files are no longer temporary)."""
        for spool in self.spools:
            spool.discard()
