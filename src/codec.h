/*
 * codec.h -- Gorilla-style compression of (timestamp, value) chunks.
 *
 * A chunk is a self-describing byte string: a 5-byte header (format,
 * flags, point count) followed by the first point as varints and a bit
 * stream for the rest.  Timestamps are coded as delta-of-delta; values
 * either as integer deltas (chunks whose values are all integers within
 * +-2^53) or as Gorilla XOR of the IEEE bits.  Every double round-trips
 * bit-exactly (NaN payloads, -0.0, +-Inf).  docs/storage.md describes the
 * encoding bit by bit.
 *
 * The module knows nothing about the rest of modeltop: it needs only
 * util.h for allocation.
 */
#ifndef MODELTOP_CODEC_H
#define MODELTOP_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define CHUNK_HEADER_LEN	5
#define CHUNK_FORMAT		1	/* high nibble of byte 0 */
#define CHUNK_FLAG_FLOAT	0x01	/* values are XOR-coded doubles */
#define CHUNK_FLAG_UNORDERED	0x02	/* some timestamp is below its predecessor */

/* State shared by the encoder and the decoder: both run the same
 * predictor so they stay in step. */
struct chunk_state {
	int64_t		 t_last;	/* last timestamp */
	uint64_t	 t_delta;	/* last timestamp delta (two's complement) */
	uint64_t	 v_bits;	/* bits of the last value */
	int64_t		 i_last;	/* integer mode: last value */
	int64_t		 i_delta;	/* integer mode: last value delta */
	uint32_t	 cost_delta;	/* decayed bit cost of delta prediction */
	uint32_t	 cost_dod;	/* ... and of delta-of-delta prediction */
	uint8_t		 win_lz;	/* current window: leading zeros */
	uint8_t		 win_tz;	/* current window: trailing zeros */
	uint8_t		 have_win;
};

/* An incremental encoder.  Embed it anywhere; chunk_enc_init first. */
struct chunk_enc {
	uint8_t		*buf;		/* header + bit stream; zero past the last bit */
	size_t		 cap;		/* bytes allocated */
	uint64_t	 bits;		/* bits written, header included */
	uint32_t	 n;		/* points */
	uint8_t		 flags;		/* CHUNK_FLAG_* */
	int64_t		 t_first, t_min, t_max;
	struct chunk_state s;
	uint8_t		 empty[CHUNK_HEADER_LEN];	/* the bytes of no points */
};

/* A decoder over a borrowed byte string. */
struct chunk_dec {
	const uint8_t	*p;
	size_t		 len;
	uint64_t	 bit;		/* next bit to read */
	uint32_t	 n;		/* points in the chunk */
	uint32_t	 i;		/* points returned */
	uint8_t		 flags;
	int		 err;
	struct chunk_state s;
};

/* Prepare an empty encoder.  Allocates nothing until the first append. */
void chunk_enc_init(struct chunk_enc *e);
/* Append one point.  Timestamps need not increase: equal and decreasing
 * ones are kept as given.  A non-integer value in an integer chunk
 * re-encodes the chunk once as a float chunk.  Never fails (OOM is fatal);
 * a chunk holds at most UINT32_MAX points (more are fatal). */
void chunk_enc_append(struct chunk_enc *e, int64_t ts_ms, double v);
/* Points appended since init or reset. */
size_t chunk_enc_count(const struct chunk_enc *e);
/* The encoding so far, decodable as is.  The bytes belong to the encoder
 * and stay valid until the next append, reset or free. */
const uint8_t *chunk_enc_bytes(const struct chunk_enc *e, size_t *len);
/* First and last appended timestamp (0 when empty). */
int64_t chunk_enc_first_ts(const struct chunk_enc *e);
int64_t chunk_enc_last_ts(const struct chunk_enc *e);
/* Smallest and largest appended timestamp (0 when empty). */
int64_t chunk_enc_min_ts(const struct chunk_enc *e);
int64_t chunk_enc_max_ts(const struct chunk_enc *e);
/* The last appended value, bit-exact (0.0 when empty). */
double chunk_enc_last_value(const struct chunk_enc *e);
/* Empty the encoder, keeping its buffer. */
void chunk_enc_reset(struct chunk_enc *e);
/* Release the buffer; the encoder may be initialised again. */
void chunk_enc_free(struct chunk_enc *e);

/* Start decoding len bytes at data (borrowed; they must outlive the
 * decoder).  Returns 0, or -1 when the header is bad (too short, unknown
 * format or flags). */
int chunk_dec_init(struct chunk_dec *d, const uint8_t *data, size_t len);
/* Next point: 1 with *ts_ms and *v set, 0 at the end, -1 when the data
 * is corrupt (and on every later call): also when a chunk flagged
 * ordered has a timestamp before the one before it, since readers stop at
 * the first point past their window.  Never reads past len. */
int chunk_dec_next(struct chunk_dec *d, int64_t *ts_ms, double *v);
/* Point count announced by the header. */
size_t chunk_dec_count(const struct chunk_dec *d);
/* 1 when the chunk's timestamps never decrease, so a reader may stop at
 * the first point after its window. */
int chunk_dec_ordered(const struct chunk_dec *d);

#endif
