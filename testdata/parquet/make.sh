#!/usr/bin/env bash
# Regenerates the DuckDB-written Parquet fixtures in this folder with
# tools/duckdb/query.mjs (run tools/duckdb/install.sh first), then prints what
# parquet_metadata says about each file's row groups and codecs.
#
#   bash testdata/parquet/make.sh
#
# The output is byte-for-byte the same on every run with the same DuckDB
# version (SET threads=1, no random functions, no time of day). README.md in
# this folder shows the same SQL; keep the two in step.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
query="$here/../../tools/duckdb/query.mjs"
cd "$here"

q() { node "$query" "$1"; }

echo "DuckDB: $(q 'SELECT version() AS v')"

# --- duckdb_types.parquet: one row group, 20 rows, many types, some NULLs.
q "SET threads=1;
COPY (
  SELECT
    i::INTEGER AS id,
    CASE WHEN i % 7 = 3 THEN NULL ELSE i % 2 = 0 END AS c_boolean,
    CASE WHEN i = 0 THEN -128 WHEN i = 1 THEN 127 WHEN i % 6 = 5 THEN NULL
         ELSE (i * 37) % 256 - 128 END::TINYINT AS c_tinyint,
    CASE WHEN i = 0 THEN -32768 WHEN i = 1 THEN 32767 WHEN i % 8 = 7 THEN NULL
         ELSE (i * 2731) % 65536 - 32768 END::SMALLINT AS c_smallint,
    CASE WHEN i = 0 THEN -2147483648 WHEN i = 1 THEN 2147483647 WHEN i % 9 = 8 THEN NULL
         ELSE i * 100003 - 1000000 END::INTEGER AS c_integer,
    CASE WHEN i = 0 THEN '-9223372036854775808' WHEN i = 1 THEN '9223372036854775807'
         WHEN i = 2 THEN '9007199254740993' WHEN i % 5 = 4 THEN NULL
         ELSE (i * 1000000007 - 5000000000)::VARCHAR END::BIGINT AS c_bigint,
    CASE WHEN i % 10 = 9 THEN NULL ELSE (i * 53) % 256 END::UTINYINT AS c_utinyint,
    CASE WHEN i = 1 THEN '18446744073709551615' WHEN i = 2 THEN '9223372036854775808'
         WHEN i % 10 = 8 THEN NULL ELSE (i * 1000000000000)::VARCHAR END::UBIGINT AS c_ubigint,
    CASE WHEN i % 7 = 6 THEN NULL ELSE i * 0.5 - 3.25 END::FLOAT AS c_float,
    CASE WHEN i = 0 THEN 1e300 WHEN i = 1 THEN -2.5e-300 WHEN i % 7 = 5 THEN NULL
         ELSE i / 8 - 1 END::DOUBLE AS c_double,
    CASE WHEN i = 0 THEN 9999999.99 WHEN i = 1 THEN -9999999.99 WHEN i % 6 = 4 THEN NULL
         ELSE (i * 12345 - 100000)::DECIMAL(18,0) * 0.01 END::DECIMAL(9,2) AS c_decimal_9_2,
    CASE WHEN i = 0 THEN 99999999999999.9999 WHEN i = 1 THEN -0.0001 WHEN i % 6 = 3 THEN NULL
         ELSE (i * 123456789 - 987654321)::DECIMAL(18,0) * 0.0001 END::DECIMAL(18,4) AS c_decimal_18_4,
    CASE i WHEN 0 THEN '' WHEN 1 THEN 'café – naïve ✓' WHEN 2 THEN 'with,comma'
           WHEN 3 THEN 'quote\"d' WHEN 4 THEN 'line' || chr(10) || 'break' WHEN 5 THEN NULL
           WHEN 6 THEN ' padded ' ELSE 'text ' || i END AS c_varchar,
    CASE WHEN i % 8 = 6 THEN NULL ELSE DATE '1969-12-25' + (i * 400)::INTEGER END AS c_date,
    CASE WHEN i % 8 = 5 THEN NULL
         ELSE TIMESTAMP '1969-12-31 23:00:00' + i * INTERVAL 86399 SECOND + i * INTERVAL 250000 MICROSECOND
         END AS c_timestamp,
    CASE WHEN i % 9 = 4 THEN NULL ELSE ['low', 'mid', 'high'][i % 3 + 1] END::ENUM('low', 'mid', 'high') AS c_enum
  FROM range(20) t(i)
  ORDER BY i
) TO 'duckdb_types.parquet' (FORMAT parquet)" > /dev/null

# --- duckdb_rowgroups.parquet: 3000 rows in 3 row groups of 1000, zstd.
# DuckDB writes whole vectors (2048 rows) before it checks ROW_GROUP_SIZE, so
# a plain SELECT over range(3000) gives row groups of 2048 and 952. A UNION ALL
# of three 1000-row parts, with one thread, hands the writer 1000 rows at a
# time, and each part becomes one row group (checked below).
q "SET threads=1;
CREATE MACRO adult_rows(lo, hi) AS TABLE
  SELECT
    CASE WHEN (i * 7) % 11 < 5 THEN 'Female' ELSE 'Male' END AS sex,
    CASE WHEN (i * 31) % 20 < 14 THEN 'White'
         WHEN (i * 31) % 20 < 17 THEN 'Black'
         WHEN (i * 31) % 20 = 17 THEN 'Asian-Pac-Islander'
         WHEN (i * 31) % 20 = 18 THEN 'Amer-Indian-Eskimo'
         ELSE 'Other' END AS race,
    (17 + (i * 29) % 74)::INTEGER AS age,
    ((i * 53) % 197 / 2 + 1)::DOUBLE AS hours,
    i AS i
  FROM range(lo, hi) t(i);
CREATE MACRO labelled(lo, hi) AS TABLE
  SELECT sex, race, age, hours,
    CASE WHEN (age BETWEEN 30 AND 60)::INTEGER + (hours >= 40)::INTEGER
              + (sex = 'Male')::INTEGER + (race = 'White')::INTEGER
              + (i % 3 = 0)::INTEGER >= 4
         THEN '>50K' ELSE '<=50K' END AS label
  FROM adult_rows(lo, hi);
COPY (
  FROM labelled(0, 1000) UNION ALL FROM labelled(1000, 2000) UNION ALL FROM labelled(2000, 3000)
) TO 'duckdb_rowgroups.parquet' (FORMAT parquet, ROW_GROUP_SIZE 1000, COMPRESSION zstd)" > /dev/null

# --- duckdb_nested.parquet: flat columns plus a LIST and a STRUCT column.
q "SET threads=1;
COPY (
  SELECT
    i::INTEGER AS id,
    CASE WHEN i % 3 = 0 THEN 'B' ELSE 'A' END AS grp,
    (i * 1.5)::DOUBLE AS score,
    CASE i WHEN 0 THEN [] WHEN 1 THEN NULL WHEN 2 THEN ['x', NULL, 'z']
           ELSE ['t' || i, 'u' || (i * i)] END::VARCHAR[] AS tags,
    CASE WHEN i = 4 THEN NULL
         ELSE {'x': i / 4, 'n': CASE WHEN i = 5 THEN NULL ELSE i * 10 END::INTEGER, 'note': 'p' || i} END
      AS point,
    CASE WHEN i % 2 = 0 THEN 'no' ELSE 'yes' END AS label
  FROM range(10) t(i)
  ORDER BY i
) TO 'duckdb_nested.parquet' (FORMAT parquet)" > /dev/null

# --- duckdb_bool_label.parquet: BOOLEAN label, TINYINT group, snappy, 50 rows.
q "SET threads=1;
COPY (
  SELECT
    (i % 4 = 1)::TINYINT AS grp,
    (20000 + (i * 7919) % 60000)::DOUBLE AS income,
    ((i * 13) % 30)::INTEGER AS years,
    ['north', 'south', 'east', 'west'][(i * 7) % 9 % 4 + 1] AS region,
    ((i * 7919) % 60000 + (i * 13) % 30 * 1000 - (i % 4 = 1)::INTEGER * 15000 > 30000) AS approved
  FROM range(50) t(i)
  ORDER BY i
) TO 'duckdb_bool_label.parquet' (FORMAT parquet, COMPRESSION snappy)" > /dev/null

# --- checks
groups="$(q "SELECT count(*) AS n, min(row_group_num_rows) AS lo, max(row_group_num_rows) AS hi
             FROM (SELECT DISTINCT row_group_id, row_group_num_rows FROM parquet_metadata('duckdb_rowgroups.parquet'))")"
case "$groups" in
*'"rows":[["3","1000","1000"]]'*) ;;
*) echo "duckdb_rowgroups.parquet does not have 3 row groups of 1000 rows: $groups" >&2; exit 1 ;;
esac

for f in duckdb_types duckdb_rowgroups duckdb_nested duckdb_bool_label; do
  echo "$f.parquet: $(wc -c < "$f.parquet") bytes"
  q "SELECT row_group_id, any_value(row_group_num_rows) AS num_rows,
            string_agg(DISTINCT compression, ',') AS codecs, count(*) AS column_chunks
     FROM parquet_metadata('$f.parquet') GROUP BY row_group_id ORDER BY row_group_id"
done
