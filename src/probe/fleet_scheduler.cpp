// The scheduler above the session runner: a fixed pool of workers, each running one blocking
// probe at a time with its own deadlines, and in-order delivery through a bounded window.
#include <algorithm>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include "smtpauth/fleet.hpp"

namespace smtpauth::probe {

namespace {

// Shared state; `state` guards everything but the input, which has its own lock so that a
// slow reader (a pipe on stdin) never holds up a worker storing a finished report.
struct Pool {
    std::mutex state;
    std::condition_variable to_workers;  // a window slot freed, the input ended, stop
    std::condition_variable to_main;     // a report is ready, a worker left, stop
    std::size_t taken = 0;               // jobs taken from the input so far
    std::size_t delivered = 0;           // jobs handed to deliver (in order)
    std::size_t window = 0;
    bool input_done = false;
    bool stop = false;
    unsigned workers_left = 0;
    std::exception_ptr failure;
    std::map<std::size_t, FleetResult> ready;  // at most window + workers entries

    std::mutex input;  // serialises calls of next(); taken before `state`, never after
};

FleetResult run_job(std::size_t index, FleetJob& job) {
    FleetResult r;
    r.index = index;
    r.line = std::move(job.line);
    r.input_error = std::move(job.input_error);
    if (!r.input_error.empty()) {
        r.report.target.input = r.line.target;
        return r;
    }
    try {
        r.report = run_probe(job.options);
    } catch (const std::exception& e) {  // run_probe reports failures; this is memory
        r.report = ProbeReport{};
        r.report.target = job.options.target;
        r.report.error = Failure{ErrorKind::internal, Stage::connect,
                                 std::string("internal error: ") + e.what()};
    }
    return r;
}

void worker(Pool& p, const std::function<std::optional<FleetJob>()>& next) {
    for (;;) {
        {
            std::unique_lock lk(p.state);
            p.to_workers.wait(
                lk, [&] { return p.stop || p.input_done || p.taken - p.delivered < p.window; });
            if (p.stop || p.input_done) break;
        }
        std::optional<FleetJob> job;
        std::size_t index = 0;
        {
            std::lock_guard in(p.input);
            {
                std::lock_guard lk(p.state);
                if (p.stop || p.input_done) break;
            }
            std::exception_ptr failed;
            try {
                job = next();
            } catch (...) {
                failed = std::current_exception();
            }
            std::lock_guard lk(p.state);
            if (failed) {
                p.failure = failed;
                p.stop = true;
            } else if (!job) {
                p.input_done = true;
            } else {
                index = p.taken++;
            }
            if (!job) {
                p.to_workers.notify_all();
                p.to_main.notify_all();
                break;
            }
        }
        FleetResult r = run_job(index, *job);
        job.reset();  // wipes the job's secrets now, not at the next iteration
        std::lock_guard lk(p.state);
        p.ready.emplace(index, std::move(r));
        p.to_main.notify_all();
    }
    std::lock_guard lk(p.state);
    --p.workers_left;
    p.to_main.notify_all();
}

}  // namespace

void run_fleet(const FleetSettings& settings, const std::function<std::optional<FleetJob>()>& next,
               const std::function<void(FleetResult&)>& deliver) {
    Pool p;
    const unsigned n = std::max(1u, settings.parallel);
    p.window = std::max<std::size_t>(settings.window ? settings.window : 4u * n, n);
    p.workers_left = n;
    std::vector<std::thread> threads;
    threads.reserve(n);
    try {
        for (unsigned i = 0; i < n; ++i) threads.emplace_back(worker, std::ref(p), std::cref(next));
    } catch (...) {  // no thread could be made: stop those that were
        {
            std::lock_guard lk(p.state);
            p.stop = true;
            p.workers_left -= n - static_cast<unsigned>(threads.size());
        }
        p.to_workers.notify_all();
        for (auto& t : threads) t.join();
        throw;
    }

    std::unique_lock lk(p.state);
    for (;;) {
        p.to_main.wait(lk, [&] {
            return p.ready.count(p.delivered) != 0 || p.stop ||
                   (p.input_done && p.delivered == p.taken) || p.workers_left == 0;
        });
        auto it = p.ready.find(p.delivered);
        if (it != p.ready.end() && !p.stop) {
            FleetResult r = std::move(it->second);
            p.ready.erase(it);
            lk.unlock();
            std::exception_ptr failed;
            try {
                deliver(r);
            } catch (...) {
                failed = std::current_exception();
            }
            lk.lock();
            if (failed) {
                p.failure = failed;
                p.stop = true;
            }
            ++p.delivered;
            p.to_workers.notify_all();
            continue;
        }
        if (p.stop || (p.input_done && p.delivered == p.taken) || p.workers_left == 0) break;
    }
    p.stop = true;
    p.to_workers.notify_all();
    lk.unlock();
    for (auto& t : threads) t.join();
    if (p.failure) std::rethrow_exception(p.failure);
}

}  // namespace smtpauth::probe
