// Package pageguard checks the parts of a Parquet file that parquet-go would
// otherwise trust, before parquet-go sees them: parquet-go allocates the sizes
// and counts a file declares, and panics or loops on some corrupt data.
//
//   - ThriftCheck walks a footer or page header (thrift compact protocol)
//     without allocating, so that every list, map and binary it holds fits in
//     its bytes before parquet-go's decoder allocates them.
//   - CheckCompressedPage checks that compressed page data decompresses to
//     exactly the size its page header declares, without allocating that size
//     where the codec allows; Decompress then decompresses it as parquet-go
//     will.
//   - CheckDictIndexes checks the runs of a page's dictionary indexes against
//     the page, before parquet-go decodes them.
//   - CheckPageEncoding and LevelEncodingOK check that parquet-go can decode a
//     page's encodings; CheckDecodedPage checks a page parquet-go decoded
//     before its values are used.
//
// Each guard takes bytes (or a decoded page) and returns an error: no I/O, no
// state. The fuzz targets (FuzzThriftCheck, FuzzCheckCompressedPage,
// FuzzCheckDictIndexes) check that no input makes a guard panic or hang, and
// that whatever a guard accepts, parquet-go's own decoder decodes without
// panicking, to what the guard promised.
package pageguard
