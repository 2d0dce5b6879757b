// The node preload's source and its installation in PM_HOME.
#include "daemon/supervisor/node_preload.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "common/fd.hpp"

namespace pm::sup {

// Wraps net.Server.prototype.listen (http, https and express servers all
// listen through it): a listen on a port pmd holds becomes listen({fd}).
// Only in the process the fds were given to (LISTEN_PID), once per fd;
// anything else (other ports, paths, a second listen) binds as usual. On
// SIGTERM, an app without its own handler drains before it dies.
const std::string_view k_node_preload_source = R"js(// pm cluster preload (written by pmd; changes are overwritten).
// With pm `listen` sockets, server.listen(PORT) adopts the socket pmd holds
// for PORT (systemd's LISTEN_FDS protocol, fds from 3) instead of binding.
'use strict';
(function () {
  const env = process.env;
  const fs = require('fs');
  const count = parseInt(env.LISTEN_FDS || '', 10);
  const owner = parseInt(env.LISTEN_PID || '', 10);
  if (!(count > 0) || !(owner > 0)) {
    return;
  }
  // The fds were given to LISTEN_PID. A node it started through a shell or
  // npm (`sh -c "node app.js"`, `npm start`) inherits them: it may adopt
  // them too, as long as each fd still is a socket and not node's own IPC
  // channel (child_process.fork puts one on fd 3).
  function descends(pid) {
    for (let p = pid, depth = 0; p > 1 && depth < 16; depth++) {
      if (p === owner) {
        return true;
      }
      try {
        p = Number(fs.readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) \S+ /s, '').split(' ')[0]);
      } catch (e) {
        return false;
      }
    }
    return false;
  }
  if (owner !== process.pid && !descends(process.ppid)) {
    return;
  }
  function isSocket(fd) {
    try {
      return String(fd) !== env.NODE_CHANNEL_FD && fs.fstatSync(fd).isSocket();
    } catch (e) {
      return false;
    }
  }
  const names = (env.LISTEN_FDNAMES || '').split(':');
  const byPort = new Map();
  for (let i = 0; i < count; i++) {
    const m = /^tcp-(\d+)$/.exec(names[i] || '');
    if (m && !byPort.has(Number(m[1])) && isSocket(3 + i)) {
      byPort.set(Number(m[1]), 3 + i);
    }
  }
  if (byPort.size === 0) {
    return;
  }
  const net = require('net');
  const listen = net.Server.prototype.listen;
  const adopted = new Set();
  function portOf(a) {
    if (typeof a === 'number') {
      return a;
    }
    if (typeof a === 'string' && /^\d+$/.test(a)) {
      return Number(a);
    }
    if (a && typeof a === 'object' && a.fd === undefined && a.path === undefined && a.handle === undefined &&
        a._handle === undefined && a.port !== undefined) {
      return Number(a.port);
    }
    return undefined;
  }
  net.Server.prototype.listen = function (...args) {
    const fd = byPort.get(portOf(args[0]));
    if (fd === undefined || adopted.has(fd)) {
      return listen.apply(this, args);
    }
    adopted.add(fd);
    servers.push(this);
    const last = args[args.length - 1];
    return typeof last === 'function' ? listen.call(this, {fd}, last) : listen.call(this, {fd});
  };
  // A stop (pm stop, restart, reload) of an app that does not handle
  // SIGTERM itself: stop accepting, answer the requests already accepted,
  // then die of SIGTERM as the app would have. Connections not accepted yet
  // stay queued on pmd's socket for the other (or the next) instance, as
  // PM2's cluster mode disconnects a worker before it goes.
  const servers = [];
  function drain() {
    if (process.listenerCount('SIGTERM') > 1) {
      return;  // the app's own handler decides
    }
    let open = servers.length;
    const die = () => {
      process.removeListener('SIGTERM', drain);
      process.kill(process.pid, 'SIGTERM');
    };
    if (open === 0) {
      die();
      return;
    }
    for (const server of servers) {
      server.close(() => {
        if (--open === 0) {
          die();
        }
      });
      if (typeof server.closeIdleConnections === 'function') {
        server.closeIdleConnections();  // keep-alive connections with no request
      }
    }
  }
  process.on('SIGTERM', drain);
})();
)js";

Result<std::string> install_node_preload(const std::string& home) {
    std::string path = home + "/pm-cluster-preload.js";
    {
        std::ifstream in(path, std::ios::binary);
        std::stringstream have;
        have << in.rdbuf();
        if (in && have.str() == k_node_preload_source) {
            return path;
        }
    }
    auto failed = [&](std::string_view action) {
        int uv = uv_translate_sys_error(errno);
        return Error{ErrorCode::io_error, fmt::format("unable to {} the node preload {}: {} ({})", action, path,
                                                      uv_err_name(uv), uv_strerror(uv))};
    };
    std::string tmp = path + ".tmp";
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd.valid()) {
        return failed("write");
    }
    ::fchmod(fd.get(), 0644);  // whatever pmd's umask: node runs as the user anyway, it must read it
    const char* p = k_node_preload_source.data();
    std::size_t left = k_node_preload_source.size();
    while (left > 0) {
        ssize_t n = ::write(fd.get(), p, left);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            ::unlink(tmp.c_str());
            return failed("write");
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    fd.reset();
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return failed("install");
    }
    return path;
}

}  // namespace pm::sup
