//go:build !race

package aegis_test

// raceDetector: built with -race (sync.Pool then drops a quarter of what is Put, on purpose).
const raceDetector = false
