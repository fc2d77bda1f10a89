"""Evidence (data dukung): storage, documents and revisions, links to items, review, import, export."""

from .sniff import RejectedFile
from .store import LocalStore, S3Store, StoreError, TooLarge, store_from_config

__all__ = ["LocalStore", "RejectedFile", "S3Store", "StoreError", "TooLarge", "store_from_config"]
