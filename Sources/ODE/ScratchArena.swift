/// The scratch memory of one evaluator, stepper or flow: typed, zero-filled buffers carved from memory the
/// arena owns, all freed together when the arena is released. The owner keeps one arena and frees nothing
/// by hand.
///
/// Contract:
/// - ``buffer(_:count:)`` returns `count` (at least one) zero-filled elements, aligned to ``alignment``
///   bytes, that overlap no other buffer of the arena and stay valid until the arena is deinitialized.
/// - Elements are `BitwiseCopyable` (numbers, flags, pointers): the arena never deinitializes them, and
///   all-zero bytes are their zero (a pointer element must be set before it is read).
/// - Buffers are carved, in request order, from one chunk of at least ``chunkBytes`` bytes; a request that
///   does not fit the rest of the current chunk starts a new chunk of max(request, ``chunkBytes``) bytes. An
///   owner that takes its buffers in `init` therefore allocates in `init` only; reading and writing the
///   buffers never allocates (the hot paths' `AllocationTests`).
/// - The buffers live as long as the arena, not as long as a pointer to them: an owner keeps the arena in a
///   stored property; a function with a local arena keeps it alive past the buffers' last use
///   (`defer { withExtendedLifetime(arena) {} }`), since Swift may release a local after its last use.
/// - Not thread-safe: buffers are handed out by the owner, which confines the arena as it does its buffers.
public final class ScratchArena {
  /// Every buffer starts on a multiple of 64 bytes (a cache line; any SIMD load of a buffer is aligned).
  public static let alignment = 64
  /// The least size of a chunk: 64 KiB, so that an evaluator's small buffers share one allocation.
  public static let chunkBytes = 1 << 16

  private var chunks: [UnsafeMutableRawPointer] = []
  /// The first free byte of the current chunk and the bytes left after it.
  private var cursor: UnsafeMutableRawPointer?
  private var remaining = 0

  public init() {}

  deinit {
    for chunk in chunks { chunk.deallocate() }
  }

  /// `count` zero-filled elements of `type` (one when `count` is 0), valid for the life of the arena.
  public func buffer<T: BitwiseCopyable>(_ type: T.Type = T.self, count: Int) -> UnsafeMutablePointer<T> {
    precondition(count >= 0, "a buffer's count is not negative (got \(count))")
    precondition(MemoryLayout<T>.alignment <= Self.alignment)
    let elements = max(count, 1)
    let (bytes, overflow) = elements.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
    precondition(!overflow && bytes <= Int.max - Self.alignment, "a buffer of \(count) elements is too large")
    let padded = (bytes + Self.alignment - 1) & ~(Self.alignment - 1)
    if padded > remaining || cursor == nil {
      let size = max(padded, Self.chunkBytes)
      let chunk = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: Self.alignment)
      chunks.append(chunk)
      cursor = chunk
      remaining = size
    }
    let start = cursor!
    start.initializeMemory(as: UInt8.self, repeating: 0, count: padded)
    cursor = start + padded
    remaining -= padded
    return start.bindMemory(to: T.self, capacity: elements)
  }

  /// A buffer holding a copy of `values` (one zero element when `values` is empty).
  public func copy<T: BitwiseCopyable>(of values: [T]) -> UnsafeMutablePointer<T> {
    let out = buffer(T.self, count: values.count)
    values.withUnsafeBufferPointer { source in
      if let base = source.baseAddress { out.update(from: base, count: source.count) }
    }
    return out
  }
}
