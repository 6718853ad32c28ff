module resonate-cpp/interop

go 1.22

require github.com/resonatehq/resonate-sdk-go v0.0.0-20260611175528-7982d67afce9
