import Foundation
import ODE

/// A mutable counter that escaping closures can share.
final class Counter {
  var value = 0
}

/// The error thrown by ``ThrowingSystem``; its description is what `rhsFailed` must carry.
struct SyntheticFailure: Error, CustomStringConvertible {
  let description: String
}

/// y' = -y, failing with ``SyntheticFailure`` once t exceeds `failAfter`.
final class ThrowingSystem: ODESystem {
  let dimension = 1
  let failAfter: Double
  let message: String

  init(failAfter: Double, message: String) {
    self.failAfter = failAfter
    self.message = message
  }

  func evaluate(t: Double, y: UnsafePointer<Double>, dydt: UnsafeMutablePointer<Double>) throws {
    if t > failAfter { throw SyntheticFailure(description: message) }
    dydt[0] = -y[0]
  }
}

/// y' = -y with an analytic Jacobian that throws (for implicit steppers).
final class ThrowingJacobianSystem: ODESystem {
  let dimension = 1
  let message: String

  init(message: String) { self.message = message }

  func evaluate(t: Double, y: UnsafePointer<Double>, dydt: UnsafeMutablePointer<Double>) {
    dydt[0] = -y[0]
  }

  var hasAnalyticJacobian: Bool { true }

  func jacobian(
    t: Double, y: UnsafePointer<Double>, dfdy: UnsafeMutablePointer<Double>,
    dfdt: UnsafeMutablePointer<Double>
  ) throws {
    throw SyntheticFailure(description: message)
  }
}

enum Problems {
  /// y' = -y, exact solution y0·e^{-t}. Counts its evaluations in `counter` when given one.
  static func decay(counter: Counter? = nil) -> ClosureSystem {
    ClosureSystem(dimension: 1) { _, y, dydt in
      counter?.value += 1
      dydt[0] = -y[0]
    }
  }

  /// y1' = y2, y2' = -y1; from (1, 0) the solution is (cos t, -sin t) and the energy
  /// (y1² + y2²)/2 stays 1/2.
  static func oscillator(counter: Counter? = nil) -> ClosureSystem {
    ClosureSystem(dimension: 2) { _, y, dydt in
      counter?.value += 1
      dydt[0] = y[1]
      dydt[1] = -y[0]
    }
  }

  /// Robertson's stiff chemical kinetics; y(0) = (1, 0, 0).
  static func robertson(analyticJacobian: Bool, jacobianCounter: Counter? = nil) -> ClosureSystem {
    let rhs: ClosureSystem.RightHandSide = { _, y, dydt in
      dydt[0] = -0.04 * y[0] + 1e4 * y[1] * y[2]
      dydt[1] = 0.04 * y[0] - 1e4 * y[1] * y[2] - 3e7 * y[1] * y[1]
      dydt[2] = 3e7 * y[1] * y[1]
    }
    guard analyticJacobian else { return ClosureSystem(dimension: 3, rightHandSide: rhs) }
    return ClosureSystem(
      dimension: 3,
      jacobian: { _, y, dfdy, dfdt in
        jacobianCounter?.value += 1
        dfdy[0] = -0.04
        dfdy[1] = 1e4 * y[2]
        dfdy[2] = 1e4 * y[1]
        dfdy[3] = 0.04
        dfdy[4] = -1e4 * y[2] - 6e7 * y[1]
        dfdy[5] = -1e4 * y[1]
        dfdy[6] = 0
        dfdy[7] = 6e7 * y[1]
        dfdy[8] = 0
        dfdt[0] = 0
        dfdt[1] = 0
        dfdt[2] = 0
      },
      rightHandSide: rhs)
  }

  /// Robertson at t = 40, from scipy's Radau at rtol 1e-13 (BDF and LSODA agree to 11 digits).
  static let robertsonAt40 = [7.158270687194e-01, 9.185534764558e-06, 2.841637457458e-01]
}

/// Solver options with the given stepper, tolerances and save schedule.
func makeOptions(
  _ stepper: Stepper = .rkf45, rtol: Double = 1e-8, atol: Double = 1e-10,
  save: SaveSchedule = .endpoints
) -> SolverOptions {
  var options = SolverOptions()
  options.stepper = stepper
  options.tolerances = Tolerances(relative: rtol, absolute: atol)
  options.saveSchedule = save
  return options
}

/// The relative error |a/b − 1|.
func relativeError(_ a: Double, _ b: Double) -> Double { abs(a / b - 1) }
