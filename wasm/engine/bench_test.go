package engine_test

import (
	"context"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"

	"github.com/waprivacy/waprivacy/cmd/waemu/emulator"
	"github.com/waprivacy/waprivacy/cmd/waemu/emutest"
	"github.com/waprivacy/waprivacy/wasm/engine"
	"github.com/waprivacy/waprivacy/wasm/privacy"
)

// oneWay is the emulator's injected network delay; a round trip is twice
// that.
const oneWay = 25 * time.Millisecond

// RyzeAPI's seven fields, and two opposite values for each, so every
// iteration changes all of them.
var sevenFields = [2]map[privacy.Category]privacy.Value{
	{privacy.LastSeen: privacy.Nobody, privacy.About: privacy.Nobody, privacy.Profile: privacy.Nobody,
		privacy.Online: privacy.MatchLastSeen, privacy.ReadReceipts: privacy.Nobody,
		privacy.CallAdd: privacy.Known, privacy.GroupAdd: privacy.Contacts},
	{privacy.LastSeen: privacy.All, privacy.About: privacy.All, privacy.Profile: privacy.All,
		privacy.Online: privacy.All, privacy.ReadReceipts: privacy.All,
		privacy.CallAdd: privacy.All, privacy.GroupAdd: privacy.All},
}

func benchEngine(b *testing.B) (*whatsmeow.Client, *engine.Engine) {
	env := emutest.Start(b)
	cli := env.LinkedClient(b, phone)
	e := engine.New(cli, engine.Options{})
	if _, err := e.Snapshot(context.Background()); err != nil {
		b.Fatal(err)
	}
	env.SetFaults(b, emulator.Faults{LatencyMs: int(oneWay / time.Millisecond)})
	return cli, e
}

// BenchmarkUpdateSevenFields measures an update of RyzeAPI's seven fields
// plus its confirmed snapshot, the engine's way and RyzeAPI's documented
// sequential way (seven sets, then a re-read: eight round trips), in the
// same run, in round trips of the emulated network.
func BenchmarkUpdateSevenFields(b *testing.B) {
	cli, e := benchEngine(b)
	ctx := context.Background()
	var engineTime, sequentialTime time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		if _, err := e.Apply(ctx, privacy.Update{Settings: sevenFields[i%2]}); err != nil {
			b.Fatal(err)
		}
		engineTime += time.Since(start)

		start = time.Now()
		sequentialUpdate(b, cli, sevenFields[(i+1)%2])
		sequentialTime += time.Since(start)
		i++
	}
	rtt := float64(2 * oneWay)
	b.ReportMetric(float64(engineTime)/float64(i)/rtt, "engine-RTT/op")
	b.ReportMetric(float64(sequentialTime)/float64(i)/rtt, "sequential-RTT/op")
	b.ReportMetric(float64(sequentialTime)/float64(engineTime), "speedup")
}

// sequentialUpdate is RyzeAPI's way with whatsmeow's own calls: one set per
// field, each awaited, then a re-read of the settings.
func sequentialUpdate(b *testing.B, cli *whatsmeow.Client, fields map[privacy.Category]privacy.Value) {
	ctx := context.Background()
	for c, v := range fields {
		if _, err := cli.SetPrivacySetting(ctx, types.PrivacySettingType(c), types.PrivacySetting(v)); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := cli.TryFetchPrivacySettings(ctx, true); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSnapshot measures reading every category, the four
// except-lists, the default timer and the blocklist.
func BenchmarkSnapshot(b *testing.B) {
	_, e := benchEngine(b)
	ctx := context.Background()
	start := time.Now()
	n := 0
	for b.Loop() {
		if _, err := e.Refresh(ctx); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(time.Since(start))/float64(n)/float64(2*oneWay), "RTT/op")
}
