// Package testfill fills a value's every field for tests that check that
// nothing is lost on a round trip (through JSON, a wire format, ...): a
// field added later is filled too, so the test covers it without an edit.
package testfill

import (
	"fmt"
	"reflect"
)

// Fill sets every field that ptr points to, exported or not, recursively, to
// a value that is not its zero value and differs from field to field. It
// refuses (with an error) a kind it cannot fill with plain data: a map, a
// pointer, a function, a channel or an interface.
func Fill(ptr any) error {
	v := reflect.ValueOf(ptr)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("testfill: want a non-nil pointer, got %T", ptr)
	}
	n := 0
	return fill(v.Elem(), v.Elem().Type().String(), &n)
}

func fill(v reflect.Value, path string, n *int) error {
	*n++
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			if !f.CanSet() {
				return fmt.Errorf("testfill: %s.%s is unexported: it cannot travel as plain data", path, v.Type().Field(i).Name)
			}
			if err := fill(f, path+"."+v.Type().Field(i).Name, n); err != nil {
				return err
			}
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := 0; i < 2; i++ {
			if err := fill(s.Index(i), fmt.Sprintf("%s[%d]", path, i), n); err != nil {
				return err
			}
		}
		v.Set(s)
	case reflect.String:
		v.SetString(fmt.Sprintf("v%d", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n % 100))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(uint64(*n % 100))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(*n) + 0.25)
	default:
		return fmt.Errorf("testfill: %s is a %s: not plain data", path, v.Kind())
	}
	return nil
}
