// Command e2e-fetch-svid is the workload of `make e2e-spire`: it fetches its X.509-SVID from the
// SPIRE agent's Workload API with go-spiffe, waiting until the SVID for -id is issued, verifies
// the chain against the trust bundle the Workload API hands out (x509svid.Verify), and prints
// one JSON line: the SPIFFE ID, the chain length, the expiry, the time from start to the SVID
// (ms) and the time of one more fetch once it is issued (ms). With -out it also writes the chain
// (leaf first) as PEM there, and -bundle-out the trust bundle, for `aegis svid` and `aegis gateway`.
// Exit 1 on failure.
package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"
)

func main() {
	socket := flag.String("socket", "", "Workload API address (unix:///path/to/api.sock)")
	want := flag.String("id", "", "the SPIFFE ID to wait for")
	timeout := flag.Duration("timeout", 60*time.Second, "how long to wait for the SVID")
	out := flag.String("out", "", "write the SVID chain (PEM, leaf first) to this file")
	bundleOut := flag.String("bundle-out", "", "write the trust domain's X.509 bundle (PEM) to this file")
	flag.Parse()
	if err := run(*socket, *want, *timeout, *out, *bundleOut); err != nil {
		fmt.Fprintln(os.Stderr, "e2e-fetch-svid:", err)
		os.Exit(1)
	}
}

func writePEM(path string, certs []*x509.Certificate) error {
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return os.WriteFile(path, b, 0o600)
}

func run(socket, want string, timeout time.Duration, out, bundleOut string) error {
	id, err := spiffeid.FromString(want)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	addr := workloadapi.WithAddr(socket)
	start := time.Now()
	var last error
	for {
		x, err := workloadapi.FetchX509Context(ctx, addr)
		if err == nil {
			for _, s := range x.SVIDs {
				if s.ID != id {
					continue
				}
				issued := time.Since(start)
				if _, _, err := x509svid.Verify(s.Certificates, x.Bundles); err != nil {
					return fmt.Errorf("the SVID for %s does not verify against the bundle: %w", id, err)
				}
				if out != "" {
					if err := writePEM(out, s.Certificates); err != nil {
						return err
					}
				}
				if bundleOut != "" {
					b, err := x.Bundles.GetX509BundleForTrustDomain(id.TrustDomain())
					if err != nil {
						return err
					}
					if err := writePEM(bundleOut, b.X509Authorities()); err != nil {
						return err
					}
				}
				t0 := time.Now()
				if _, err := workloadapi.FetchX509SVID(ctx, addr); err != nil {
					return err
				}
				return json.NewEncoder(os.Stdout).Encode(map[string]any{
					"spiffe_id":      s.ID.String(),
					"chain_len":      len(s.Certificates),
					"not_after":      s.Certificates[0].NotAfter.UTC().Format(time.RFC3339),
					"wait_ms":        issued.Milliseconds(),
					"fetch_again_ms": float64(time.Since(t0).Microseconds()) / 1000,
				})
			}
			last = fmt.Errorf("no SVID for %s yet (%d others)", id, len(x.SVIDs))
		} else {
			last = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up after %s: %v", timeout, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
