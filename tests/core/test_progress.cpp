// The progress reporter: plain lines every 10 % (with ETA), a fresh start for each run, nothing when silent.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "core/progress.hpp"

using lithosim::ProgressReporter;

namespace {

/// Everything written to a temporary file by `write`, read back.
template <class F>
std::string captured(F&& write) {
    std::FILE* f = std::tmpfile();
    REQUIRE(f != nullptr);
    write(f);
    std::rewind(f);
    std::string text;
    for (int ch = std::fgetc(f); ch != EOF; ch = std::fgetc(f)) text += char(ch);
    std::fclose(f);
    return text;
}

int count(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("plain progress lines come every 10 % with the elapsed time and an ETA", "[core]") {
    const std::string text = captured([](std::FILE* f) {
        ProgressReporter p(ProgressReporter::Mode::Lines, f);
        for (long long step = 1; step <= 200; ++step) p(step, 200, 0.5 * step);  // 0.5 s per step
    });
    CHECK(count(text, "\n") == 10);
    CHECK(count(text, "progress: ") == 10);
    // at 50 %: step 100 of 200 after 50 s, 50 s to go
    CHECK(text.find("progress:  50 %  step 100/200  elapsed 50 s  ETA 50 s\n") != std::string::npos);
    CHECK(text.find("progress: 100 %  step 200/200  elapsed 1 min 40 s  ETA 0 s\n") != std::string::npos);
}

TEST_CASE("a new run restarts the progress lines, a silent reporter writes nothing", "[core]") {
    const std::string text = captured([](std::FILE* f) {
        ProgressReporter p(ProgressReporter::Mode::Lines, f);
        for (int run = 0; run < 3; ++run)
            for (long long step = 1; step <= 30; ++step) p(step, 30, 0.01 * step);
    });
    CHECK(count(text, "progress: 100 %") == 3);
    CHECK(count(text, "progress:  10 %") == 3);

    const std::string silent = captured([](std::FILE* f) {
        ProgressReporter p(ProgressReporter::Mode::Silent, f);
        for (long long step = 1; step <= 30; ++step) p(step, 30, 0.01 * step);
    });
    CHECK(silent.empty());
    CHECK(ProgressReporter::choose_mode(true, stderr) == ProgressReporter::Mode::Silent);
}

TEST_CASE("the terminal bar redraws in place, at most 5 times a second, and ends with a line end", "[core]") {
    auto bar = [](double seconds_per_step) {
        return captured([seconds_per_step](std::FILE* f) {
            ProgressReporter p(ProgressReporter::Mode::Bar, f);
            for (long long step = 1; step <= 100; ++step) p(step, 100, seconds_per_step * step);
        });
    };
    const std::string slow = bar(0.25);  // every step is more than 0.2 s after the last: each one is drawn
    CHECK(count(slow, "\r") == 100);
    CHECK(count(slow, "\n") == 1);
    CHECK(slow.back() == '\n');
    CHECK(slow.find("[########################################] 100.0 %  step 100/100") != std::string::npos);
    const std::string fast = bar(0.01);  // 1 s in all: the first draw, about one per 0.2 s, and the last
    CHECK(count(fast, "\r") >= 5);
    CHECK(count(fast, "\r") <= 7);
    CHECK(fast.back() == '\n');
}

TEST_CASE("a command's progress: the stage's share of its expected work, runs added and dropped on the way", "[core]") {
    using lithosim::CommandProgress;
    const std::string text = captured([](std::FILE* f) {
        CommandProgress p(ProgressReporter::Mode::Lines, f, "plan", 0.0);
        p.stage("dose runs", 400);  // four runs of 100
        for (long long s = 1; s <= 10; ++s) p.run_step(100, s, 10);
        p.run_done(100);              // 25 %
        CHECK(p.stage_fraction() == Approx(0.25));
        p.expect(-200);               // two runs not needed after all: one of two left
        CHECK(p.stage_fraction() == Approx(0.5));
        p.run_step(100, 5, 10);       // halfway through the last: 75 %
        CHECK(p.stage_fraction() == Approx(0.75));
        p.expect(100);                // one more run appears (a grid check): 150 of 300
        CHECK(p.stage_fraction() == Approx(0.5));
        p.run_done(100);
        p.run_done(100);
        CHECK(p.stage_fraction() == Approx(1.0));
        p.stage("outcomes", 200);     // a new stage starts from 0
        CHECK(p.stage_fraction() == Approx(0.0));
        for (int i = 1; i <= 200; ++i) p.run_step(200, i, 200);
        CHECK(p.stage_fraction() == Approx(1.0));
    });
    // a line each time the stage passes a multiple of 10 % (the last one when a jump passes several), never twice:
    // the dose runs at 10 and 20 % (the first run), 70 % (after two runs were dropped), not again when a run was
    // added (back to 50 %), then 100 %; the outcomes at every 10 %
    CHECK(count(text, "plan: dose runs ") == 4);
    for (const char* at : {"plan: dose runs  10 %", "plan: dose runs  20 %", "plan: dose runs  70 %",
                           "plan: dose runs 100 %"})
        CHECK(count(text, at) == 1);
    CHECK(count(text, "plan: outcomes ") == 10);
    CHECK(count(text, "ETA ") == 14);
    CHECK(count(text, "elapsed ") == 14);
    CHECK(text.find("plan: dose runs  20 %") < text.find("plan: dose runs  70 %"));
    const std::string silent = captured([](std::FILE* f) {
        CommandProgress p(ProgressReporter::Mode::Silent, f, "plan", 0.0);
        p.stage("dose runs", 10);
        p.run_done(10);
        // a stage shorter than the quiet time writes nothing either
        CommandProgress q(ProgressReporter::Mode::Lines, f, "plan", 60.0);
        q.stage("outcomes", 10);
        q.run_done(10);
    });
    CHECK(silent.empty());
}
