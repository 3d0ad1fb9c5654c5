import Foundation
import Testing

@testable import GradientFlow

/// The summary's kinks line: readable pair-times, never "inf" or a 309-digit-range number.
@Suite struct SlidingSummaryTextTests {
  @Test func pairTimeIsReadableAtEveryScale() {
    #expect(SlidingSummary.pairTimeText(12.5) == "12.5 pair-time units of t")
    // Long log-t runs: the sum of sliding times in t reaches the largest double (1.569e308 = e^709.6).
    #expect(SlidingSummary.pairTimeText(1.569e308) == "pair-time e^709.6 in t")
    #expect(SlidingSummary.pairTimeText(.infinity) == "pair-time beyond e^709.78 in t")
    for value in [1e6, 1e100, 1.569e308, .infinity] {
      let text = SlidingSummary.pairTimeText(value)
      #expect(!text.contains("inf") && !text.contains("e+"), "\(text)")
    }
  }
}
