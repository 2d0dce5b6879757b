// Start arguments read and written through the start-option table: the pure
// parser pmd builds its spec with (and pm can validate with), and the two
// serialisers (pm show's spelling, and save's, which parses back). No I/O.
#pragma once

#include "common/protocol.hpp"
#include "common/result.hpp"
#include "common/start_options.hpp"

namespace pm {

// Pure. Every key of `args` checked and converted once, defaults applied;
// errors are bad_args naming the key. Paths stay as given (pmd resolves and
// checks them against the file system).
Result<StartArgs> parse_start_args(const json& args);

// Pure. Whether an option holds something other than "off"/empty.
bool is_set(const StartOption& o, const StartArgs& a);
// Pure. The option's value as the wire spells it (durations in ms, sizes in
// bytes, signals and modes by name).
json option_value(const StartOption& o, const StartArgs& a);

// Pure. The spec fields of pm show: show spellings (min_uptime_ms), unset
// paths and schedules null.
json show_start_args(const StartArgs& a);
// Pure. Start arguments that parse back to `a` (save, and the same-spec check).
json save_start_args(const StartArgs& a);

}  // namespace pm
