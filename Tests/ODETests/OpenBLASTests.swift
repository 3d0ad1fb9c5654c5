import CGSL
import Foundation
import Glibc
import Testing

/// GSL links against `libgslcblas` (its slow reference BLAS); the module map puts OpenBLAS ahead of it,
/// so that every `cblas_*` call, ours and GSL's, binds to OpenBLAS. These tests check the binding the
/// dynamic linker actually made in this process.
@Suite("OpenBLAS binding")
struct OpenBLASTests {
  static func address(_ pointer: UnsafeRawPointer?) -> UInt { UInt(bitPattern: pointer) }

  /// The file that contains `pointer`, according to the process's memory map.
  static func library(containing pointer: UnsafeRawPointer?) -> String? {
    mappedFile(containing: address(pointer))
  }

  @Test("cblas_dgemm resolves to OpenBLAS for the process and for our code")
  func globalBinding() throws {
    let handle = try #require(
      dlopen("libopenblas.so.0", RTLD_NOW | RTLD_NOLOAD), "OpenBLAS is not loaded")
    defer { dlclose(handle) }
    let fromOpenBLAS = try #require(dlsym(handle, "cblas_dgemm"))
    let fromDefaultScope = try #require(dlsym(nil, "cblas_dgemm"))  // RTLD_DEFAULT
    let ours = try #require(gf_cblas_dgemm_address())

    #expect(Self.address(fromDefaultScope) == Self.address(fromOpenBLAS))
    #expect(Self.address(ours) == Self.address(fromOpenBLAS))
    let file = try #require(Self.library(containing: ours))
    #expect(file.contains("openblas"), "cblas_dgemm lives in \(file)")
    #expect(!file.contains("gslcblas"))

    // libgslcblas is loaded too (libgsl needs it), but its copy is not the one in use.
    if let gslcblas = dlopen("libgslcblas.so.0", RTLD_NOW | RTLD_NOLOAD) {
      defer { dlclose(gslcblas) }
      if let reference = dlsym(gslcblas, "cblas_dgemm") {
        #expect(Self.address(reference) != Self.address(fromOpenBLAS))
      }
    }
  }

  @Test("libgsl's own cblas_dgemm call is bound to OpenBLAS")
  func gslBinding() throws {
    // Call GSL's dgemm once: it must compute correctly, and it resolves libgsl's (lazy) PLT slot.
    var a = [1.0, 2, 3, 4, 5, 6]  // 2×3
    var b = [7.0, 8, 9, 10, 11, 12]  // 3×2
    var c = [0.0, 0, 0, 0]  // 2×2
    let status = a.withUnsafeMutableBufferPointer { a in
      b.withUnsafeMutableBufferPointer { b in
        c.withUnsafeMutableBufferPointer { c in
          var ma = gsl_matrix_view_array(a.baseAddress, 2, 3)
          var mb = gsl_matrix_view_array(b.baseAddress, 3, 2)
          var mc = gsl_matrix_view_array(c.baseAddress, 2, 2)
          return gsl_blas_dgemm(
            CblasNoTrans, CblasNoTrans, 1, &ma.matrix, &mb.matrix, 0, &mc.matrix)
        }
      }
    }
    #expect(status == 0)
    #expect(c == [58, 64, 139, 154])

    // The file GSL's code lives in, then what its cblas_dgemm slot points to.
    let gslFunction = try #require(dlsym(nil, "gsl_blas_dgemm"))
    let gslLibrary = try #require(Self.library(containing: gslFunction))
    #expect(gslLibrary.contains("libgsl.so"), "gsl_blas_dgemm lives in \(gslLibrary)")
    let slot = try #require(boundAddress(of: "cblas_dgemm", inLibraryAt: gslLibrary))
    let global = try #require(dlsym(nil, "cblas_dgemm"))
    #expect(Self.address(slot) == Self.address(global))
    let file = try #require(Self.library(containing: slot))
    #expect(file.contains("openblas"), "libgsl calls cblas_dgemm in \(file)")
  }

  @Test("OpenBLAS answers its own API")
  func openBLASConfig() throws {
    let config = String(cString: try #require(openblas_get_config()))
    #expect(config.lowercased().contains("openblas"), "\(config)")
    #expect(openblas_get_num_threads() >= 1)
  }
}

/// The path of the mapped file that contains `address`, from /proc/self/maps.
func mappedFile(containing address: UInt) -> String? {
  guard let file = fopen("/proc/self/maps", "r") else { return nil }
  defer { fclose(file) }
  var buffer = [CChar](repeating: 0, count: 4096)
  while fgets(&buffer, Int32(buffer.count), file) != nil {
    // "start-end perms offset dev inode   path"
    let line = String(
      decoding: buffer.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
    let range = fields.first?.split(separator: "-") ?? []
    guard fields.count == 6, range.count == 2, let start = UInt(range[0], radix: 16),
      let end = UInt(range[1], radix: 16)
    else { continue }
    if start <= address, address < end { return fields[5].trimmingCharacters(in: .whitespaces) }
  }
  return nil
}

/// The address that the dynamic linker wrote into the GOT slot of `symbol` in the loaded library
/// `path`: the function that library's calls really reach. Walks the library's dynamic section and
/// its PLT (`DT_JMPREL`) and other (`DT_RELA`) relocations.
func boundAddress(of symbol: String, inLibraryAt path: String) -> UnsafeRawPointer? {
  guard let handle = dlopen(path, RTLD_NOW | RTLD_NOLOAD) else { return nil }
  defer { dlclose(handle) }
  // dlinfo is a GNU extension that Swift's Glibc module does not import; look it up instead.
  typealias DLInfo =
    @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafeMutableRawPointer?) -> Int32
  guard let dlinfoSymbol = dlsym(nil, "dlinfo") else { return nil }
  let dlinfo = unsafeBitCast(dlinfoSymbol, to: DLInfo.self)
  var map: UnsafeMutablePointer<link_map>?
  let linkMapRequest: Int32 = 2  // RTLD_DI_LINKMAP in <dlfcn.h>
  guard dlinfo(handle, linkMapRequest, &map) == 0, let map, let dynamic = map.pointee.l_ld else {
    return nil
  }
  let base = UInt(map.pointee.l_addr)
  // glibc relocates the pointer entries of a loaded library's dynamic section in place on x86-64;
  // add the load bias only to values that are still unrelocated offsets.
  func pointer(_ value: UInt64) -> UInt { UInt(value) < base ? base + UInt(value) : UInt(value) }
  var symtab: UInt = 0
  var strtab: UInt = 0
  var jmprel: UInt = 0
  var pltrelsz = 0
  var rela: UInt = 0
  var relasz = 0
  var i = 0
  while dynamic[i].d_tag != Int64(DT_NULL) {
    let entry = dynamic[i]
    switch entry.d_tag {
    case Int64(DT_SYMTAB): symtab = pointer(entry.d_un.d_ptr)
    case Int64(DT_STRTAB): strtab = pointer(entry.d_un.d_ptr)
    case Int64(DT_JMPREL): jmprel = pointer(entry.d_un.d_ptr)
    case Int64(DT_PLTRELSZ): pltrelsz = Int(entry.d_un.d_val)
    case Int64(DT_RELA): rela = pointer(entry.d_un.d_ptr)
    case Int64(DT_RELASZ): relasz = Int(entry.d_un.d_val)
    default: break
    }
    i += 1
  }
  guard let symbols = UnsafePointer<Elf64_Sym>(bitPattern: symtab),
    let strings = UnsafePointer<CChar>(bitPattern: strtab)
  else { return nil }

  for (address, size) in [(jmprel, pltrelsz), (rela, relasz)] {
    guard let relocations = UnsafePointer<Elf64_Rela>(bitPattern: address) else { continue }
    for r in 0..<(size / MemoryLayout<Elf64_Rela>.stride) {
      let relocation = relocations[r]
      let symbolIndex = Int(relocation.r_info >> 32)  // ELF64_R_SYM
      guard symbolIndex != 0, String(cString: strings + Int(symbols[symbolIndex].st_name)) == symbol
      else { continue }
      let slot = UnsafePointer<UnsafeRawPointer?>(bitPattern: base + UInt(relocation.r_offset))
      return slot?.pointee
    }
  }
  return nil
}
