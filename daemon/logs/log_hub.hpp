// LogHub: owns every instance's LogChannel, the child output pipes, the
// shared log files and the idle-flush tick. Every line goes to the LineSink
// given at construction from the read that produced it; the hub knows
// nothing of followers, connections or the protocol.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/logs/line_sink.hpp"
#include "daemon/logs/log_channel.hpp"
#include "daemon/logs/log_options.hpp"
#include "daemon/logs/output_pipe.hpp"
#include "daemon/uv/handle.hpp"

namespace pm::logs {

struct HubLimits {
    std::int64_t idle_flush_ms = 2000;  // a partial line waits at most this long
};

struct HubStats {
    std::uint64_t lines = 0;
    std::uint64_t bytes = 0;
};

class LogHub {
public:
    // `sink` outlives the hub.
    LogHub(uv_loop_t* loop, std::string logs_dir, HubLimits limits, LineSink& sink);
    ~LogHub();

    // Opens the channel of one instance, its files named by `opts`.
    // Blocks the loop: a stat of each custom log file, a few per start.
    LogChannel& open_channel(const ChannelIdentity& who, std::size_t instances, const LogOptions& opts);
    void close_channel(std::uint64_t id);
    LogChannel* channel(std::uint64_t id);

    // Two new pipes for a spawn (stdout, stderr). After the spawn call either
    // start_pipes() or discard_pipes().
    std::pair<OutputPipe*, OutputPipe*> make_pipes(std::uint64_t id);
    void start_pipes(std::pair<OutputPipe*, OutputPipe*> p);
    void discard_pipes(std::pair<OutputPipe*, OutputPipe*> p);

    std::size_t reopen_files();
    // Rotates the log files of the given channels (every file when
    // `ids` is null); a merged file shared by several is rotated once.
    // Returns how many files were rotated (empty ones are skipped).
    std::size_t rotate_files(const std::vector<std::uint64_t>* ids = nullptr);
    // Shutdown: emit pending partial lines, flush files and close every pipe
    // (an escaped descendant may hold one open forever).
    void close_all_pipes();
    const HubStats& stats() const { return m_stats; }
    std::size_t ring_bytes() const;
    std::size_t ring_capacity() const;
    std::size_t pipe_count() const { return m_pipes.size(); }
    std::size_t file_count() const { return m_files.size(); }
    const std::string& logs_dir() const { return m_logs_dir; }

    std::int64_t wall_ms() const;

private:
    std::shared_ptr<LogFile> acquire_file(const std::string& path, const LogFileOptions& opts);
    void on_line(const LogChannel& ch, const LogRecord& r);
    void on_data(std::uint64_t id, LogStream s, std::string_view bytes);
    void on_eof(std::uint64_t id, LogStream s, OutputPipe& pipe);
    void on_tick();
    static void tick_cb(uv_timer_t* t) noexcept;

    uv_loop_t* m_loop;
    std::string m_logs_dir;
    HubLimits m_limits;
    LineSink& m_sink;
    std::map<std::uint64_t, std::unique_ptr<LogChannel>> m_channels;
    std::map<std::string, std::weak_ptr<LogFile>> m_files;
    std::map<OutputPipe*, std::unique_ptr<OutputPipe>> m_pipes;
    std::vector<std::unique_ptr<OutputPipe>> m_dead_pipes;  // freed outside their callbacks
    uv::Handle<uv_timer_t> m_tick;
    HubStats m_stats;
};

}  // namespace pm::logs
