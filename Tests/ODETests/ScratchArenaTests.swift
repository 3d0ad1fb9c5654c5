import ODE
import Testing

/// ``ScratchArena``: its buffers are zero-filled, aligned, disjoint and live as long as the arena.
@Suite struct ScratchArenaTests {
  /// Mixed types and counts, including 0 (one element) and one larger than a chunk, which starts a chunk
  /// of its own; small buffers after it share the chunk's rest.
  static let requests: [(kind: Int, count: Int)] = [
    (0, 5), (1, 3), (2, 1), (3, 7), (0, 0), (1, 0), (0, ScratchArena.chunkBytes / 8 + 3), (2, 33), (0, 1), (3, 2),
  ]

  @Test func buffersAreZeroAlignedAndDisjoint() {
    // Dirty the heap first, so a chunk that reuses freed memory would show stale bytes if not zeroed.
    for _ in 0..<4 {
      let dirty = UnsafeMutableRawPointer.allocate(byteCount: ScratchArena.chunkBytes, alignment: 64)
      dirty.initializeMemory(as: UInt8.self, repeating: 0xA5, count: ScratchArena.chunkBytes)
      dirty.deallocate()
    }
    let arena = ScratchArena()
    var doubles: [(UnsafeMutablePointer<Double>, Int)] = []
    var ints: [(UnsafeMutablePointer<Int>, Int)] = []
    var flags: [(UnsafeMutablePointer<Bool>, Int)] = []
    var bytes: [(UnsafeMutablePointer<Int8>, Int)] = []
    var addresses: [UnsafeMutableRawPointer] = []
    for (kind, count) in Self.requests {
      let n = max(count, 1)
      switch kind {
      case 0:
        let b = arena.buffer(Double.self, count: count)
        #expect((0..<n).allSatisfy { b[$0] == 0 })
        doubles.append((b, n))
        addresses.append(UnsafeMutableRawPointer(b))
      case 1:
        let b = arena.buffer(Int.self, count: count)
        #expect((0..<n).allSatisfy { b[$0] == 0 })
        ints.append((b, n))
        addresses.append(UnsafeMutableRawPointer(b))
      case 2:
        let b = arena.buffer(Bool.self, count: count)
        #expect((0..<n).allSatisfy { !b[$0] })
        flags.append((b, n))
        addresses.append(UnsafeMutableRawPointer(b))
      default:
        let b = arena.buffer(Int8.self, count: count)
        #expect((0..<n).allSatisfy { b[$0] == 0 })
        bytes.append((b, n))
        addresses.append(UnsafeMutableRawPointer(b))
      }
    }
    for address in addresses { #expect(Int(bitPattern: address) % ScratchArena.alignment == 0) }
    // Fill every element of every buffer with a value naming the buffer, then read all back: a buffer that
    // overlapped another (or a count rounded down) would show the other's value.
    for (i, (b, n)) in doubles.enumerated() { b.update(repeating: Double(i) + 0.5, count: n) }
    for (i, (b, n)) in ints.enumerated() { b.update(repeating: -(i + 1), count: n) }
    for (b, n) in flags { b.update(repeating: true, count: n) }
    for (i, (b, n)) in bytes.enumerated() { b.update(repeating: Int8(i + 1), count: n) }
    for (i, (b, n)) in doubles.enumerated() { #expect((0..<n).allSatisfy { b[$0] == Double(i) + 0.5 }) }
    for (i, (b, n)) in ints.enumerated() { #expect((0..<n).allSatisfy { b[$0] == -(i + 1) }) }
    for (b, n) in flags { #expect((0..<n).allSatisfy { b[$0] }) }
    for (i, (b, n)) in bytes.enumerated() { #expect((0..<n).allSatisfy { b[$0] == Int8(i + 1) }) }
    withExtendedLifetime(arena) {}
  }

  @Test func copyHoldsTheValues() {
    let arena = ScratchArena()
    let values: [Double] = [1.5, -2, .pi, 0, 1e-300]
    let copy = arena.copy(of: values)
    #expect((0..<values.count).map { copy[$0] } == values)
    let empty = arena.copy(of: [Int]())
    #expect(empty[0] == 0)
    withExtendedLifetime(arena) {}
  }
}
