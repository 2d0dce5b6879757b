// LogHub: channels, pipes, files and the idle-flush tick.
#include "daemon/logs/log_hub.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <unordered_set>

#include "common/date_format.hpp"
#include "daemon/log.hpp"

namespace pm::logs {
namespace {

constexpr std::uint64_t k_tick_ms = 500;

}  // namespace

LogHub::LogHub(uv_loop_t* loop, std::string logs_dir, HubLimits limits, LineSink& sink)
    : m_loop(loop), m_logs_dir(std::move(logs_dir)), m_limits(limits), m_sink(sink) {
    uv::init_timer(m_loop, m_tick, this);
    uv_timer_start(m_tick.get(), tick_cb, k_tick_ms, k_tick_ms);
    uv_unref(m_tick.handle());
}

LogHub::~LogHub() {
    for (auto& [id, ch] : m_channels) {
        ch->end_of_read();
    }
}

std::int64_t LogHub::wall_ms() const {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::shared_ptr<LogFile> LogHub::acquire_file(const std::string& path, const LogFileOptions& opts) {
    if (auto it = m_files.find(path); it != m_files.end()) {
        if (auto f = it->second.lock()) {
            f->set_options(opts);
            return f;
        }
    }
    auto f = std::make_shared<LogFile>(path, opts, [loop = m_loop] {
        return static_cast<std::int64_t>(uv_now(loop));
    });
    m_files[path] = f;
    return f;
}

LogChannel& LogHub::open_channel(const ChannelIdentity& who, std::size_t instances, const LogOptions& opts) {
    std::string base = (instances > 1 && !opts.merge)
                           ? fmt::format("{}/{}-{}", m_logs_dir, who.name, who.index)
                           : fmt::format("{}/{}", m_logs_dir, who.name);
    auto path_for = [&](const std::string& custom, const char* suffix) {
        if (custom.empty()) {
            return base + suffix;
        }
        struct stat st {};
        bool special = ::stat(custom.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
        if (instances <= 1 || opts.merge || special) {
            return custom;
        }
        std::filesystem::path p(custom);  // out.log -> out-2.log for instance 2
        return (p.parent_path() / fmt::format("{}-{}{}", p.stem().string(), who.index, p.extension().string()))
            .string();
    };
    auto out = acquire_file(path_for(opts.out_path, "-out.log"), opts.file);
    auto err = acquire_file(path_for(opts.err_path, "-err.log"), opts.file);
    auto ch = std::make_unique<LogChannel>(
        who, opts.ring_bytes, std::move(out), std::move(err), opts.date_format,
        [this](const LogChannel& c, const LogRecord& r) { on_line(c, r); }, [this] { return wall_ms(); });
    if (!opts.all_path.empty()) {
        ch->set_combined(acquire_file(path_for(opts.all_path, ".log"), opts.file));
    }
    auto& ref = *ch;
    m_channels[who.id] = std::move(ch);
    return ref;
}

void LogHub::close_channel(std::uint64_t id) {
    auto it = m_channels.find(id);
    if (it == m_channels.end()) {
        return;
    }
    std::string out = it->second->file(LogStream::out)->path();
    std::string err = it->second->file(LogStream::err)->path();
    std::string all = it->second->combined() != nullptr ? it->second->combined()->path() : std::string();
    m_channels.erase(it);
    for (const auto& p : {out, err, all}) {
        if (auto f = m_files.find(p); f != m_files.end() && f->second.expired()) {
            m_files.erase(f);
        }
    }
}

LogChannel* LogHub::channel(std::uint64_t id) {
    auto it = m_channels.find(id);
    return it == m_channels.end() ? nullptr : it->second.get();
}

std::pair<OutputPipe*, OutputPipe*> LogHub::make_pipes(std::uint64_t id) {
    auto make = [&](LogStream s) {
        auto p = std::make_unique<OutputPipe>(
            m_loop, id, s, [this](std::uint64_t i, LogStream st, std::string_view b) { on_data(i, st, b); },
            [this](std::uint64_t i, LogStream st, OutputPipe& op) { on_eof(i, st, op); });
        OutputPipe* raw = p.get();
        m_pipes.emplace(raw, std::move(p));
        return raw;
    };
    OutputPipe* out = make(LogStream::out);
    OutputPipe* err = make(LogStream::err);
    return {out, err};
}

void LogHub::start_pipes(std::pair<OutputPipe*, OutputPipe*> p) {
    p.first->start();
    p.second->start();
}

void LogHub::discard_pipes(std::pair<OutputPipe*, OutputPipe*> p) {
    for (OutputPipe* op : {p.first, p.second}) {
        op->close();
        m_pipes.erase(op);
    }
}

void LogHub::on_data(std::uint64_t id, LogStream s, std::string_view bytes) {
    m_stats.bytes += bytes.size();
    if (LogChannel* ch = channel(id)) {
        ch->feed(s, bytes);
        ch->end_of_read();
    }
}

void LogHub::on_eof(std::uint64_t id, LogStream s, OutputPipe& pipe) {
    if (LogChannel* ch = channel(id)) {
        ch->flush_partial(s);  // the last words of a crash are never lost
    }
    pipe.close();
    if (auto it = m_pipes.find(&pipe); it != m_pipes.end()) {
        m_dead_pipes.push_back(std::move(it->second));
        m_pipes.erase(it);
        uv_timer_start(m_tick.get(), tick_cb, 0, k_tick_ms);  // free it soon, outside this callback
    }
}

void LogHub::tick_cb(uv_timer_t* t) noexcept {
    if (auto* self = static_cast<LogHub*>(t->data)) {
        self->on_tick();
    }
}

void LogHub::on_tick() {
    m_dead_pipes.clear();
    std::int64_t now = wall_ms();
    for (auto& [id, ch] : m_channels) {
        for (LogStream s : {LogStream::out, LogStream::err}) {
            if (ch->has_partial(s) && now - ch->last_feed_ms(s) >= m_limits.idle_flush_ms) {
                ch->flush_partial(s);
            }
        }
    }
}

void LogHub::on_line(const LogChannel& ch, const LogRecord& r) {
    ++m_stats.lines;
    m_sink.on_line(ch.who(), r);
}

void LogHub::close_all_pipes() {
    for (auto& [id, ch] : m_channels) {
        ch->flush_partial(LogStream::out);
        ch->flush_partial(LogStream::err);
    }
    for (auto& [raw, pipe] : m_pipes) {
        pipe->close();
    }
    m_pipes.clear();
    m_dead_pipes.clear();
}

std::size_t LogHub::reopen_files() {
    std::size_t n = 0;
    for (auto& [path, weak] : m_files) {
        if (auto f = weak.lock()) {
            f->reopen();
            ++n;
        }
    }
    return n;
}

std::size_t LogHub::rotate_files(const std::vector<std::uint64_t>* ids) {
    std::unordered_set<const LogFile*> selected;  // the selected channels' files
    if (ids != nullptr) {
        for (std::uint64_t id : *ids) {
            if (const LogChannel* ch = channel(id)) {
                selected.insert(ch->file(LogStream::out));
                selected.insert(ch->file(LogStream::err));
                selected.insert(ch->combined());
            }
        }
    }
    std::vector<std::shared_ptr<LogFile>> files;  // each once: merged files are shared
    for (auto& [path, weak] : m_files) {
        if (auto f = weak.lock(); f && (ids == nullptr || selected.count(f.get()) != 0)) {
            files.push_back(std::move(f));
        }
    }
    std::size_t n = 0;
    for (const auto& f : files) {
        n += f->rotate_now() ? 1 : 0;
    }
    return n;
}

std::size_t LogHub::ring_bytes() const {
    std::size_t n = 0;
    for (const auto& [id, ch] : m_channels) {
        n += ch->ring().bytes();
    }
    return n;
}

std::size_t LogHub::ring_capacity() const {
    std::size_t n = 0;
    for (const auto& [id, ch] : m_channels) {
        n += ch->ring().capacity();
    }
    return n;
}

}  // namespace pm::logs
