#!/usr/bin/env python3
"""Writes the journal fuzzer's seed files from docs/journal.md alone (not from Backstop's code), so
that JournalFormat.IndependentlyEncodedSeedsReadAsDocumented checks the reader against the
documented layout: five_records.log (a whole file of five records) and torn_tail.log (the same
with its last 10 bytes cut). Needs libxxhash (XXH3-64). Usage: make_journal_seeds.py OUT_DIR"""
import ctypes
import struct
import sys
from pathlib import Path

_xxhash = ctypes.CDLL("libxxhash.so.0")
_xxhash.XXH3_64bits.restype = ctypes.c_uint64
_xxhash.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]


def crc32c(data: bytes, crc: int = 0) -> int:
    crc ^= 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


CONFIG = b"risk.max_accounts=8\ninstruments=0\n"


def file_header(first_sequence: int) -> bytes:
    head = b"BKSTJRNL" + struct.pack("<IIQQ", 2, len(CONFIG), first_sequence,
                                     _xxhash.XXH3_64bits(CONFIG, len(CONFIG)))
    return head + struct.pack("<II", crc32c(CONFIG, crc32c(head)), 0) + CONFIG


def frame(sequence: int, record_type: int, payload: bytes) -> bytes:
    length = struct.pack("<I", len(payload))
    rest = struct.pack("<QHHI", sequence, record_type, 0, 0)
    crc = crc32c(payload, crc32c(rest, crc32c(length)))
    return length + struct.pack("<I", crc) + rest + payload


def main() -> None:
    out = Path(sys.argv[1])
    data = file_header(0) + b"".join(
        frame(s, s, bytes((s * 131 + i) & 0xFF for i in range(64))) for s in range(5))
    (out / "five_records.log").write_bytes(data)
    (out / "torn_tail.log").write_bytes(data[:-10])


if __name__ == "__main__":
    main()
