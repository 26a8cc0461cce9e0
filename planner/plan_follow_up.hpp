// `lithosim plan --follow-up FILE --previous DIR --out DIR2` (contract): the course re-planned after an echographic
// follow-up (planning/follow_up.hpp does the update and the planning; this file reads the earlier plan and the
// follow-up file and writes the new plan).
//
// FILE (contract keys): {"follow_ups": [{"after_session": 1, "day": 7, "largest_residual_mm": [6.0, 5.0],
//                        "fragment_count": 3, "residual_visible": true}, ...]}
//   after_session      course-wide index of the session the check follows
//   day                day of the check (the course's first session on day 0)
//   largest_residual_mm the two largest diameters of the largest residual piece or deposit, mm ([0, 0] if none)
//   fragment_count     pieces seen
//   residual_visible   false: nothing seen (the course ends)
// Several follow-ups may be listed, in order; those the earlier plan already used may be repeated.
//
// DIR2/plan.json: the earlier plan's keys, with sessions (course-wide `index`, the ones done `done: true`
// (contract)), the outcomes, verdict and reason of the updated course, `follow_up` (measurements, what_changed,
// posterior, previous_plan) and `history` (contract: the chain of plans, each {plan, folder, day, kind, inputs
// (SHA-1 of the input files), primary_probability}, this one last).
#pragma once
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "planner/plan.hpp"
#include "planning/dose_table.hpp"
#include "planning/outcomes.hpp"

namespace lithosim {

struct FollowUpRequest {
    std::string follow_up_file, previous_dir, out_dir;
    std::optional<int> samples;            ///< default: the earlier plan's
    std::optional<std::uint64_t> seed;     ///< default: the earlier plan's
    bool pictures = true, pdf = false;
    std::string command_line;
};

/// Reads, checks and re-plans; writes DIR2/plan.json (last: its presence means the plan is complete) and the report.
/// InputError (one line) for a bad follow-up file, an earlier plan that cannot be continued, measurements that
/// contradict the model strongly; nothing is written then.
PlanResult run_follow_up(const FollowUpRequest& request, std::ostream* log);

/// plan.json `dose_table` and `replan_inputs.patient` and back (full precision).
nlohmann::json dose_table_json(const planning::DoseTable& table);
planning::DoseTable dose_table_from_json(const nlohmann::json& j);
nlohmann::json patient_factors_json(const planning::PatientFactors& f);
planning::PatientFactors patient_factors_from_json(const nlohmann::json& j);

}  // namespace lithosim
