import Foundation

/// Encodes an `Encodable` value into the Foundation object tree that `JSONSerialization` writes:
/// `[String: Any]` for keyed containers (dictionaries included), `[Any]` for unkeyed ones, and the
/// scalars as they are (`Double` stays `Double`, `Int` stays `Int`, `Bool` stays `Bool`; nil optionals
/// encoded with `encodeIfPresent` leave their key out).
///
/// Contract: a typed record written through this tree and ``OutputDirectory/writeJSON(_:to:)`` has the
/// bytes of the hand-built dictionary it replaces. `JSONEncoder` cannot give that: it sorts keys by code
/// point where `JSONSerialization` sorts them numerically and case-insensitively (`rho_2` before
/// `rho_10`), and re-parsing its text turns 17-digit numbers into `NSDecimalNumber`.
struct JSONObjectEncoder {
  func encode<T: Encodable>(_ value: T) throws -> Any {
    let node = TreeNode()
    try value.encode(to: TreeEncoder(node: node, codingPath: []))
    return node.object
  }
}

/// One value of the tree under construction.
private final class TreeNode {
  enum Content {
    case empty
    case scalar(Any)
    case keyed([(String, TreeNode)])
    case unkeyed([TreeNode])
  }
  var content = Content.empty

  /// The Foundation object; a container asked for and left empty is `{}` or `[]`, an unset value `null`.
  var object: Any {
    switch content {
    case .empty: NSNull()
    case .scalar(let value): value
    case .keyed(let pairs): Dictionary(pairs.map { ($0.0, $0.1.object) }, uniquingKeysWith: { _, last in last })
    case .unkeyed(let nodes): nodes.map(\.object)
    }
  }

  func child(forKey key: String) -> TreeNode {
    let node = TreeNode()
    if case .keyed(var pairs) = content {
      pairs.append((key, node))
      content = .keyed(pairs)
    } else {
      content = .keyed([(key, node)])
    }
    return node
  }

  func appendChild() -> TreeNode {
    let node = TreeNode()
    if case .unkeyed(var nodes) = content {
      nodes.append(node)
      content = .unkeyed(nodes)
    } else {
      content = .unkeyed([node])
    }
    return node
  }
}

private struct TreeEncoder: Encoder {
  let node: TreeNode
  let codingPath: [any CodingKey]
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
    if case .keyed = node.content {} else { node.content = .keyed([]) }
    return KeyedEncodingContainer(KeyedTreeContainer<Key>(node: node, codingPath: codingPath))
  }

  func unkeyedContainer() -> any UnkeyedEncodingContainer {
    if case .unkeyed = node.content {} else { node.content = .unkeyed([]) }
    return UnkeyedTreeContainer(node: node, codingPath: codingPath)
  }

  func singleValueContainer() -> any SingleValueEncodingContainer {
    SingleValueTreeContainer(node: node, codingPath: codingPath)
  }
}

/// Stores `value` in `node`: a JSON scalar as itself, anything else through its own `encode(to:)`.
private func store<T: Encodable>(_ value: T, in node: TreeNode, codingPath: [any CodingKey]) throws {
  switch value {
  case is Bool, is String, is Double, is Float, is Int, is Int8, is Int16, is Int32, is Int64, is UInt, is UInt8,
    is UInt16, is UInt32, is UInt64:
    node.content = .scalar(value)
  default:
    try value.encode(to: TreeEncoder(node: node, codingPath: codingPath))
  }
}

private struct KeyedTreeContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
  let node: TreeNode
  let codingPath: [any CodingKey]

  mutating func encodeNil(forKey key: Key) throws { node.child(forKey: key.stringValue).content = .scalar(NSNull()) }

  mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
    try store(value, in: node.child(forKey: key.stringValue), codingPath: codingPath + [key])
  }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
    -> KeyedEncodingContainer<NestedKey>
  {
    TreeEncoder(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key])
      .container(keyedBy: keyType)
  }

  mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
    TreeEncoder(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
  }

  mutating func superEncoder() -> any Encoder {
    TreeEncoder(node: node.child(forKey: "super"), codingPath: codingPath)
  }

  mutating func superEncoder(forKey key: Key) -> any Encoder {
    TreeEncoder(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key])
  }
}

private struct UnkeyedTreeContainer: UnkeyedEncodingContainer {
  let node: TreeNode
  let codingPath: [any CodingKey]
  var count: Int {
    if case .unkeyed(let nodes) = node.content { return nodes.count }
    return 0
  }

  mutating func encodeNil() throws { node.appendChild().content = .scalar(NSNull()) }

  mutating func encode<T: Encodable>(_ value: T) throws {
    try store(value, in: node.appendChild(), codingPath: codingPath)
  }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
    -> KeyedEncodingContainer<NestedKey>
  {
    TreeEncoder(node: node.appendChild(), codingPath: codingPath).container(keyedBy: keyType)
  }

  mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
    TreeEncoder(node: node.appendChild(), codingPath: codingPath).unkeyedContainer()
  }

  mutating func superEncoder() -> any Encoder { TreeEncoder(node: node.appendChild(), codingPath: codingPath) }
}

private struct SingleValueTreeContainer: SingleValueEncodingContainer {
  let node: TreeNode
  let codingPath: [any CodingKey]

  mutating func encodeNil() throws { node.content = .scalar(NSNull()) }

  mutating func encode<T: Encodable>(_ value: T) throws { try store(value, in: node, codingPath: codingPath) }
}
