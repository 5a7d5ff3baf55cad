package tableio

// The key/value metadata of a rewrite's output: ARROW:schema and pandas kept
// consistent with an appended or dropped column.

import (
	"encoding/json"
	"strings"
)

// rewriteParquetKV computes the output's key/value metadata.
func rewriteParquetKV(in map[string]string, rw ParquetRewrite, dropped string) map[string]string {
	out := make(map[string]string, len(in)+2)
	for k, v := range in {
		out[k] = v
	}
	if rw.DropColumn >= 0 {
		restored := false
		for k, v := range in {
			if orig, ok := strings.CutPrefix(k, parquetStashPrefix); ok {
				out[orig] = v
				delete(out, k)
				restored = true
			}
		}
		if !restored && dropped != "" {
			if s, ok := out[parquetPandasKey]; ok {
				if upd, ok := pandasDropColumn(s, dropped); ok {
					out[parquetPandasKey] = upd
				}
			}
		}
	}
	if rw.AppendColumn != "" {
		if s, ok := out[parquetArrowKey]; ok {
			if _, stashed := out[parquetStashPrefix+parquetArrowKey]; !stashed {
				out[parquetStashPrefix+parquetArrowKey] = s
			}
			delete(out, parquetArrowKey)
		}
		if s, ok := out[parquetPandasKey]; ok {
			if upd, ok := pandasAppendColumn(s, rw.AppendColumn); ok {
				if _, stashed := out[parquetStashPrefix+parquetPandasKey]; !stashed {
					out[parquetStashPrefix+parquetPandasKey] = s
				}
				out[parquetPandasKey] = upd
			}
		}
	}
	return out
}

// pandasAppendColumn adds an entry for a new string column to the "columns"
// list of pandas metadata. The other members are kept as they are.
func pandasAppendColumn(s, name string) (string, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return "", false
	}
	var cols []json.RawMessage
	if raw, ok := m["columns"]; ok {
		if err := json.Unmarshal(raw, &cols); err != nil {
			return "", false
		}
	}
	entry, err := json.Marshal(map[string]any{
		"name":        name,
		"field_name":  name,
		"pandas_type": "unicode",
		"numpy_type":  "object",
		"metadata":    nil,
	})
	if err != nil {
		return "", false
	}
	return withPandasColumns(m, append(cols, entry))
}

// pandasDropColumn removes the entries of a column from the "columns" list of
// pandas metadata.
func pandasDropColumn(s, name string) (string, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return "", false
	}
	var cols []json.RawMessage
	if err := json.Unmarshal(m["columns"], &cols); err != nil {
		return "", false
	}
	kept := cols[:0]
	removed := false
	for _, c := range cols {
		var e struct {
			FieldName *string `json:"field_name"`
		}
		if json.Unmarshal(c, &e) == nil && e.FieldName != nil && *e.FieldName == name {
			removed = true
			continue
		}
		kept = append(kept, c)
	}
	if !removed {
		return "", false
	}
	return withPandasColumns(m, kept)
}

// withPandasColumns writes pandas metadata m with its "columns" list set to cols.
func withPandasColumns(m map[string]json.RawMessage, cols []json.RawMessage) (string, bool) {
	raw, err := json.Marshal(cols)
	if err != nil {
		return "", false
	}
	m["columns"] = raw
	b, err := json.Marshal(m)
	if err != nil {
		return "", false
	}
	return string(b), true
}
