// Outlines of a voxel mask, plane by plane, for the RT Structure Set (io/dicom_rt.hpp, issue 14 §3).
//
// Each set of mask pixels of a plane that is connected through their sides (4-connected: pixels that touch only at a
// corner are apart) becomes one closed polygon along the outer edges of its pixels, counter-clockwise; each hole in it
// (background enclosed by it) a polygon of its own, clockwise. Straight runs keep only their end points.
//
// Why the pixel edges and not a contour through the pixel centres (marching squares at 0.5): a pixel's centre then
// lies inside the polygons (by the even-odd rule, holes taking their part back) exactly when the pixel is in the mask,
// so a viewer that fills the contours on the same grid gets the mask back, and the enclosed area is the pixel count,
// exactly. A contour through the centres would give every structure a shrunken outline (a one-pixel structure none).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace lithosim::io {

/// A closed polygon in pixel units of its plane: pixel (i, j) covers [i - 1/2, i + 1/2] x [j - 1/2, j + 1/2], so
/// the vertices sit at half-integers. The first point is not repeated at the end.
struct PlaneLoop {
    std::vector<std::array<double, 2>> points;
    bool hole = false;   ///< clockwise: a hole of the loop around it (the outer loops run counter-clockwise)
};

/// The loops of the plane `mask` (nx x ny, i fastest, nonzero inside): outer loops and holes, in no set order.
std::vector<PlaneLoop> trace_plane(const std::uint8_t* mask, std::size_t nx, std::size_t ny);

/// Thins a closed polygon to at most `max_points` (>= 3) points by removing, again and again, the point whose
/// triangle with its two neighbours is smallest: the point that changes the enclosed area least (Visvalingam and
/// Whyatt, "Line generalisation by repeated elimination of points", The Cartographic Journal 30(1):46-51, 1993).
/// A staircase loses its steps before a corner of the outline goes. Unchanged when it has no more points.
void thin_loop(std::vector<std::array<double, 2>>& points, std::size_t max_points);

/// Signed area of a closed polygon (shoelace), in the square of its unit: > 0 counter-clockwise.
double signed_area(const std::vector<std::array<double, 2>>& points);

}  // namespace lithosim::io
