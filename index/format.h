/*
 * format.h - the byte layout of a provscan index file, version 3: the single source of
 * truth for the writer and the reader. docs/index-format.md describes the same bytes.
 * All integers are little-endian; read and write them with pv_load32/64, pv_store32/64.
 */
#ifndef PV_FORMAT_H
#define PV_FORMAT_H

#include <stdint.h>

#define PV_MAGIC "PVSCAN\0\x1a"
#define PV_MAGIC_LEN 8
/* PV_FORMAT_VERSION (3) is in provscan.h */
#include "common_int.h"
#include "provscan.h"

/* Fingerprints keep their top PV_FP_BITS bits. */
#define PV_FP_BITS 48
#define PV_FP_SHIFT (64 - PV_FP_BITS)

/* ---- header: 64 bytes at offset 0 ---- */
#define PV_HDR_SIZE 64
#define PV_HDR_MAGIC 0        /* 8 bytes */
#define PV_HDR_VERSION 8      /* u32 */
#define PV_HDR_NORM 12        /* u32 */
#define PV_HDR_K 16           /* u32 */
#define PV_HDR_W 20           /* u32 */
#define PV_HDR_FP_BITS 24     /* u32 */
#define PV_HDR_POSTING_CAP 28 /* u32 */
#define PV_HDR_SEED 32        /* u64 */
#define PV_HDR_NCHUNKS 40     /* u32 */
#define PV_HDR_FLAGS 44       /* u32 */
#define PV_HDR_FILE_SIZE 48   /* u64 */
#define PV_HDR_CHECKSUM 56    /* u64: XXH3 of bytes [0,56) then the chunk table */

/* ---- chunk table: nchunks entries of 32 bytes at offset 64 ---- */
#define PV_CHUNK_ENTRY 32
#define PV_CHUNK_ID 0        /* 4 ASCII bytes */
#define PV_CHUNK_FLAGS 4     /* u32 */
#define PV_CHUNK_OFFSET 8    /* u64 */
#define PV_CHUNK_SIZE 16     /* u64 */
#define PV_CHUNK_CHECKSUM 24 /* u64: XXH3 of the chunk bytes, seed 0 */
#define PV_MAX_CHUNKS 64
#define PV_CHUNK_ALIGN 8

#define PV_ID_META "META"
#define PV_ID_FANO "FANO"
#define PV_ID_BDIR "BDIR"
#define PV_ID_PSTG "PSTG"
#define PV_ID_DOCS "DOCS"
#define PV_ID_LINE "LINE"
#define PV_ID_ORIG "ORIG"
#define PV_ID_AUTH "AUTH"
#define PV_ID_SRCS "SRCS"
#define PV_ID_STRS "STRS"
#define PV_ID_BLOB "BLOB" /* optional: absent from indexes written before it */

/* ---- META: 128 bytes ---- */
#define PV_META_SIZE 128
#define PV_META_DOCUMENTS 0
#define PV_META_AUTHORS 8
#define PV_META_SOURCES 16
#define PV_META_ORIGINS 24
#define PV_META_FINGERPRINTS 32
#define PV_META_POSTINGS 40
#define PV_META_BLOCKS 48
#define PV_META_TOKENS 56
#define PV_META_INPUT_BYTES 64
#define PV_META_CREATED 72
#define PV_META_FANOUT_BITS 80    /* u32, 0..24 */
#define PV_META_BLOCK_POSTINGS 84 /* u32 */
#define PV_MAX_FANOUT_BITS 24

/* ---- FANO: (1 << fanout_bits) + 1 entries of u32 ---- */

/* ---- BDIR: 32 bytes per block ---- */
#define PV_BDIR_ENTRY 32
#define PV_BDIR_FIRST_FP 0    /* u64 */
#define PV_BDIR_OFFSET 8      /* u64, inside PSTG */
#define PV_BDIR_STORED 16     /* u32 */
#define PV_BDIR_RAW 20        /* u32 */
#define PV_BDIR_COUNT 24      /* u32 */
#define PV_BDIR_FLAGS 28      /* u32 */
#define PV_BLOCK_RAW 1u       /* flag: stored without compression */
#define PV_BLOCK_POSTINGS 256 /* target postings per block */
/* The fingerprints are cut into 2^R ranges of equal width by their top R bits, and a block
 * never holds two ranges: a block ends after the fingerprint group that brings it to
 * PV_BLOCK_POSTINGS postings, before a group of another range, or at the last group. So the
 * blocks of a range do not depend on the ranges before it, and any writer (serial, one thread
 * per range, a segment merge, a rank writing its ranges) cuts the same. R grows with the
 * tokens of META, so that a range holds at least PV_RANGE_MIN_TOKENS tokens' postings (about
 * 60 blocks): R = floor(log2(tokens)) - 17, within 0..PV_RANGE_BITS_MAX (pv_seg__range_bits);
 * R = 0 is one range, the cut by count alone. */
#define PV_RANGE_BITS_MAX 10
#define PV_RANGE_MIN_TOKENS_BITS 17
#define PV_BLOCK_MAX_RAW (1u << 24)

/* ---- PSTG: blocks; raw block = 4 varint columns (fp delta, doc, pos, origin) ---- */

/* ---- LINE: per document, two parts.
 * First, zstd-compressed when it is smaller so (then LINES_SIZE < LINES_RAW): one varint per
 * line, (tokens that start on the line << PV_LINE_CHECK_BITS) | the line's check (0 for a line
 * without tokens); then the authorship runs: a varint count, then (token delta, origin) varint
 * pairs; tokens before the first run belong to the document's origin.
 * Then, never compressed (random bits do not compress): a check per token, PV_TOKEN_CHECK_BITS
 * bits, two per byte (token 2i in the low half, 2i + 1 in the high half of byte i), the last
 * (ntokens + 1) / 2 bytes of both the stored and the raw table. ---- */
#define PV_TOKEN_CHECK_BITS 4
#define PV_LINE_CHECK_BITS 3
_Static_assert(PV_TOKEN_CHECK_BITS == 4, "two token checks per byte");

/* The check of the token with hash h (pv_token.hash) at position pos of its document: the
 * top PV_TOKEN_CHECK_BITS bits of a mix of both. The writer stores it for every token; the
 * matcher computes it for the query token it puts at pos (on a span's diagonal) and extends
 * the span while the two agree. The position is mixed in so that a wrong token agrees by
 * chance independently at every position (1 in 16), not always or never. */
static inline unsigned pv_token_check(uint64_t h, uint32_t pos)
{
    return (unsigned)(pv_mix64(h ^ (pos * UINT64_C(0x9E3779B97F4A7C15))) >>
                      (64 - PV_TOKEN_CHECK_BITS));
}

/* The check of a line holding tokens, whose first token, at position pos, has hash h and
 * follows a token with hash prev (0 for the document's first token): the matcher extends a
 * span across a line boundary only when the query's two tokens there agree with it too, so
 * that a span is not stretched to a neighbouring line by one token that agrees by chance. */
static inline unsigned pv_line_check(uint64_t prev, uint64_t h, uint32_t pos)
{
    return (unsigned)(pv_mix64(pv_mix64(prev ^ UINT64_C(0x6c696e6563686b33)) ^ h ^
                               (pos * UINT64_C(0x9E3779B97F4A7C15))) >>
                      (64 - PV_LINE_CHECK_BITS));
}

/* The stored check of token t in a packed check array. */
static inline unsigned pv_token_check_at(const unsigned char *checks, uint32_t t)
{
    return (checks[t >> 1] >> ((t & 1) * PV_TOKEN_CHECK_BITS)) & ((1u << PV_TOKEN_CHECK_BITS) - 1);
}

/* ---- DOCS: 64 bytes per document ---- */
#define PV_DOC_ENTRY 64
#define PV_DOC_SOURCE 0      /* u32 */
#define PV_DOC_KIND 4        /* u32 string */
#define PV_DOC_LOCATOR 8     /* u32 string */
#define PV_DOC_COMMIT 12     /* u32 string or PV_NONE */
#define PV_DOC_LICENSE 16    /* u32 string or PV_NONE */
#define PV_DOC_ORIGIN 20     /* u32 */
#define PV_DOC_DATE 24       /* i64 */
#define PV_DOC_LINES_OFF 32  /* u64 */
#define PV_DOC_LINES_SIZE 40 /* u32 */
#define PV_DOC_LINES_RAW 44  /* u32 */
#define PV_DOC_NLINES 48     /* u32 */
#define PV_DOC_NTOKENS 52    /* u32 */
#define PV_DOC_BYTES 56      /* u64 */

/* ---- ORIG: 24 bytes per origin ---- */
#define PV_ORIG_ENTRY 24
#define PV_ORIG_AUTHOR 0 /* u32 or PV_NONE */
#define PV_ORIG_COMMIT 4 /* u32 string or PV_NONE */
#define PV_ORIG_DATE 8   /* i64 */
#define PV_ORIG_NEXT 16  /* u32: the next co-author's origin (a later entry), or PV_NONE */
#define PV_ORIG_FLAGS 20 /* u32: PV_ORIG_BEFORE; other bits 0 (older indexes wrote 0 here) */
/* PV_ORIG_FLAGS bit: text that existed at a history boundary (--since, a shallow clone): no
 * author, no commit, date that boundary ("before DATE") */
#define PV_ORIG_BEFORE 1u

/* ---- AUTH: 12 bytes per author ---- */
#define PV_AUTH_ENTRY 12
#define PV_AUTH_NAME 0  /* u32 string */
#define PV_AUTH_EMAIL 4 /* u32 string or PV_NONE */
#define PV_AUTH_ID 8    /* u32 string or PV_NONE: account id (forum user id) */

/* ---- SRCS: 8 bytes per source ---- */
#define PV_SRC_ENTRY 8
#define PV_SRC_NAME 0 /* u32 string */
#define PV_SRC_KIND 4 /* u32 string */

/* ---- BLOB: 24 bytes per entry, sorted by id then document, no two alike: the git blob ids
 * of the versions of git documents (a version met in history, the indexed one first), so a
 * dataset record that names a blob (The Stack's hexsha) is known as an exact copy. ---- */
#define PV_BLOB_ENTRY 24
#define PV_BLOB_ID 0   /* 20 bytes: the raw SHA-1 object id */
#define PV_BLOB_DOC 20 /* u32: document */
#define PV_BLOB_ID_LEN 20

/* ---- the tombstone file, INDEX.tomb (beside a one-file index; tombstone.c) ----
 * Removals recorded by `provscan remove`, rewritten whole by each (temporary file, fsync,
 * rename). Entries name what they remove by the names reports print (not by document or
 * author ids), so a segment manifest can hold the same entries for every segment.
 * Header (32 bytes), then count entries (each PV_TOMB_ENTRY bytes, then the source name's
 * bytes when it has one, then the name's bytes, no NULs, zero-padded to a multiple of 8),
 * then a u64: XXH3 (seed 0) of every byte before it. */
#define PV_TOMB_SUFFIX ".tomb"
#define PV_TOMB_MAGIC "PVTOMB\0\x1a"
#define PV_TOMB_FORMAT_VERSION 1
#define PV_TOMB_HDR_SIZE 32
#define PV_TOMB_VERSION 8         /* u32 */
#define PV_TOMB_COUNT 12          /* u32: entries */
#define PV_TOMB_INDEX_CHECKSUM 16 /* u64: the index header's checksum (PV_HDR_CHECKSUM) */
#define PV_TOMB_INDEX_SIZE 24     /* u64: the index file's size (PV_HDR_FILE_SIZE) */
#define PV_TOMB_ENTRY 24
#define PV_TOMB_KIND 0       /* u32: pv_tomb_kind (1 author, 2 document, 3 source) */
#define PV_TOMB_FLAGS 4      /* u32: 0 */
#define PV_TOMB_SOURCE_LEN 8 /* u32: bytes of the source name, or PV_NONE (documents only) */
#define PV_TOMB_ID_LEN 12    /* u32: bytes of the name, 1 or more */
#define PV_TOMB_DATE 16      /* i64: when it was recorded, unix seconds */
#define PV_TOMB_MAX_NAME 4096u

/* ---- a folder of segments (segments.c; docs/index-format.md "Segments") ----
 * DIR/MANIFEST, a text file replaced atomically (MANIFEST.tmp.PID, fsync, rename):
 *   provscan-manifest 1
 *   generation G
 *   segment NAME BYTES CHECKSUM DOCUMENTS      (one line per segment, in order; CHECKSUM is
 *                                               the segment's header checksum, 16 hex digits)
 *   end CHECKSUM                               (XXH3-64 of every byte before this line)
 * Segment files are complete index files; a file the manifest does not list is ignored.
 * The tombstones of a folder are DIR/TOMB (the format above, index checksum and size 0). */
#define PV_SEG_MANIFEST "MANIFEST"
#define PV_SEG_MAGIC "provscan-manifest 1"
#define PV_SEG_TOMB "TOMB"
#define PV_SEG_MAX 100000u
#define PV_SEG_MAX_MANIFEST ((size_t)16 << 20)

#define PV_NONE 0xFFFFFFFFu

#endif
