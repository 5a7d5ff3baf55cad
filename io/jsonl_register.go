package tableio

func init() { RegisterFormat(jsonlFormat{}) }
