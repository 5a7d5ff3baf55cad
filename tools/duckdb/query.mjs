#!/usr/bin/env node
// query.mjs — run SQL on an in-memory DuckDB and print the result as JSON.
//
//   node tools/duckdb/query.mjs 'SELECT 1 AS x'
//   echo 'SELECT 1 AS x' | node tools/duckdb/query.mjs
//
// The SQL is the first argument, or standard input when there is no argument
// (or the argument is "-"). It may hold several statements separated by ";";
// they run in order on one connection and the result of the LAST one is
// printed. Relative file paths in the SQL are relative to the caller's
// working directory.
//
// Output (stdout, one line):
//   {"columns":[{"name":"x","type":"INTEGER"}],"rows":[[1]]}
// "type" is DuckDB's own type string (INTEGER, DECIMAL(9,2), VARCHAR[],
// STRUCT("a" INTEGER), ENUM('a', 'b'), ...). A statement that returns no
// result set (COPY, SET, CREATE, INSERT, ...) prints {"columns":[],"rows":[]}.
//
// Values, so that nothing is rounded by a JSON reader:
//   NULL                                          -> null
//   BOOLEAN                                       -> true / false
//   TINYINT SMALLINT INTEGER UTINYINT USMALLINT
//   UINTEGER                                      -> JSON number
//   FLOAT DOUBLE                                  -> JSON number; NaN, Infinity and
//                                                    -Infinity as the strings "NaN",
//                                                    "Infinity", "-Infinity"
//   BIGINT UBIGINT HUGEINT UHUGEINT BIGNUM        -> string of the exact integer ("9007199254740993")
//   DECIMAL(w,s)                                  -> string of the exact value with
//                                                    exactly s fraction digits ("-12.50")
//   VARCHAR, ENUM, UUID                           -> string
//   BLOB                                          -> lower-case hex string of the bytes ("00ff41")
//   DATE                                          -> "YYYY-MM-DD"
//   TIMESTAMP (and _S/_MS/_NS)                    -> "YYYY-MM-DD HH:MM:SS[.ffffff]", DuckDB's
//                                                    CAST(ts AS VARCHAR) form (space, no "T",
//                                                    no zone; fraction only when non-zero)
//   TIMESTAMPTZ                                   -> same, with the offset ("...+00")
//   TIME                                          -> "HH:MM:SS[.ffffff]"
//   INTERVAL                                      -> {"months":n,"days":n,"micros":"n"}
//   LIST, ARRAY                                   -> JSON array (elements converted the same way)
//   STRUCT                                        -> JSON object {field: value}
//   MAP                                           -> [{"key":k,"value":v}, ...]
//
// On error the message goes to stderr and the exit code is 1 (2 for a usage
// error). Extension auto-install is off: this never reaches the network
// (parquet and json are built in).

import { readFileSync } from 'node:fs';
import {
  DuckDBInstance,
  DuckDBBlobValue,
  DuckDBTypeId,
  JsonDuckDBValueConverter,
} from '@duckdb/node-api';

// QUERY_RESULT in duckdb's duckdb_result_type enum.
const QUERY_RESULT = 3;

function hex(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

// The library's JSON converter, except for BLOB (hex instead of DuckDB's
// "\xAB" escapes). It is passed down so nested values use it too.
function convert(value, type, converter) {
  if (value == null) {
    return null;
  }
  if (type.typeId === DuckDBTypeId.BLOB && value instanceof DuckDBBlobValue) {
    return hex(value.bytes);
  }
  return JsonDuckDBValueConverter(value, type, converter);
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length > 1 || (args.length === 1 && (args[0] === '-h' || args[0] === '--help'))) {
    process.stderr.write("usage: node query.mjs 'SQL'   (or the SQL on stdin)\n");
    return 2;
  }
  const sql = args.length === 1 && args[0] !== '-' ? args[0] : readFileSync(0, 'utf8');
  if (sql.trim() === '') {
    process.stderr.write('query.mjs: no SQL given\n');
    return 2;
  }

  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'true',
  });
  const connection = await instance.connect();
  try {
    const result = await connection.run(sql);
    let out = { columns: [], rows: [] };
    if (result.returnType === QUERY_RESULT) {
      const names = result.columnNames();
      const types = result.columnTypes();
      out = {
        columns: names.map((name, i) => ({ name, type: types[i].toString() })),
        rows: await result.convertRows(convert),
      };
    }
    process.stdout.write(JSON.stringify(out) + '\n');
    return 0;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`query.mjs: ${err && err.message ? err.message : err}\n`);
    process.exitCode = 1;
  },
);
