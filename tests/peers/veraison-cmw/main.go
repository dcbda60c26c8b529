// Command veraison-cmw is the reference for Aegis's CMW X.509 extension (FORMATS.md, "X.509 SVID
// extensions"): Go veraison/cmw v0.2.0 EncodeX509Extension and DecodeX509Extension, driven by
// aegis-core/tests/svid_cmw_interop.rs.
//
//	veraison-cmw encode json|cbor MEDIA_TYPE TOKEN_FILE   prints the extnValue, hex
//	veraison-cmw decode HEX                               prints {"type": ..., "value": hex}
package main

import (
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"github.com/veraison/cmw"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "veraison-cmw:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	switch {
	case len(args) == 4 && args[0] == "encode":
		choice := cmw.ChoiceJson
		if args[1] == "cbor" {
			choice = cmw.ChoiceCbor
		}
		token, err := os.ReadFile(args[3])
		if err != nil {
			return err
		}
		m, err := cmw.NewMonad(args[2], token)
		if err != nil {
			return err
		}
		ext, err := m.EncodeX509Extension(choice, false)
		if err != nil {
			return err
		}
		if ext.Critical || !ext.Id.Equal(cmw.OidExtCmw) {
			return fmt.Errorf("unexpected extension %v critical=%v", ext.Id, ext.Critical)
		}
		fmt.Println(hex.EncodeToString(ext.Value))
		return nil
	case len(args) == 2 && args[0] == "decode":
		value, err := hex.DecodeString(args[1])
		if err != nil {
			return err
		}
		c, err := cmw.DecodeX509Extension(pkix.Extension{Id: cmw.OidExtCmw, Value: value})
		if err != nil {
			return err
		}
		typ, err := c.GetMonadType()
		if err != nil {
			return err
		}
		val, err := c.GetMonadValue()
		if err != nil {
			return err
		}
		return json.NewEncoder(os.Stdout).Encode(map[string]string{
			"type":  typ,
			"value": hex.EncodeToString(val),
		})
	default:
		return fmt.Errorf("usage: encode json|cbor MEDIA_TYPE TOKEN_FILE | decode HEX")
	}
}
