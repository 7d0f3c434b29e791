package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"
)

// envFlags defines flags whose defaults come from environment variables, so
// the same setting can be given either way; a flag on the command line
// wins. Environment values that do not parse are collected and reported
// together.
type envFlags struct {
	fs   *flag.FlagSet
	errs []error
}

// define reads env with parse, if it is set, as the default of a flag bound
// by bind (one of the FlagSet's …Var methods).
func define[T any](e *envFlags, name, env string, def T, usage string, parse func(string) (T, error), bind func(*T, string, T, string)) *T {
	if s, ok := os.LookupEnv(env); ok {
		v, err := parse(s)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("$%s=%q: %w", env, s, err))
		} else {
			def = v
		}
	}
	p := new(T)
	bind(p, name, def, usage+" ($"+env+")")
	return p
}

func (e *envFlags) String(name, env, def, usage string) *string {
	return define(e, name, env, def, usage, func(s string) (string, error) { return s, nil }, e.fs.StringVar)
}

func (e *envFlags) Bool(name, env string, def bool, usage string) *bool {
	return define(e, name, env, def, usage, strconv.ParseBool, e.fs.BoolVar)
}

func (e *envFlags) Int(name, env string, def int, usage string) *int {
	return define(e, name, env, def, usage, strconv.Atoi, e.fs.IntVar)
}

func (e *envFlags) Int64(name, env string, def int64, usage string) *int64 {
	return define(e, name, env, def, usage, func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }, e.fs.Int64Var)
}

func (e *envFlags) Float(name, env string, def float64, usage string) *float64 {
	return define(e, name, env, def, usage, func(s string) (float64, error) { return strconv.ParseFloat(s, 64) }, e.fs.Float64Var)
}

func (e *envFlags) Duration(name, env string, def time.Duration, usage string) *time.Duration {
	return define(e, name, env, def, usage, time.ParseDuration, e.fs.DurationVar)
}

// Parse reports every environment value that did not parse, or else parses
// args.
func (e *envFlags) Parse(args []string) error {
	if err := errors.Join(e.errs...); err != nil {
		return err
	}
	return e.fs.Parse(args)
}
