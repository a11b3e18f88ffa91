// Applying an UpdateExpression to an item. As in DynamoDB, every operand is read from the item
// as it was before the update ("SET a = :v, b = a" copies the old a), list indexes refer to the
// old list ("REMOVE a[1] SET a[3] = :v" replaces the old fourth element), and SET on an index
// past the end of a list appends, in index order. Everything that can fail is checked before
// the item changes, so an update either applies whole or not at all.
#include <algorithm>

#include "aws/dynamodb/expression_ast.h"

namespace nimbus::aws::dynamodb {

namespace {

ServiceError validation(const char* message) {
  return ServiceError{"ValidationException", message, 400};
}

ServiceError missingAttribute() {
  return validation(
      "The provided expression refers to an attribute that does not exist in the item");
}
ServiceError wrongType() {
  return validation("An operand in the update expression has an incorrect data type");
}
ServiceError invalidPath() {
  return validation("The document path provided in the update expression is invalid for update");
}

// The value of a SET's right-hand side, read from the unchanged item.
Result<AttributeValue> evaluate(const Operand& operand, const Item& item) {
  // Operands also come from PartiQL statements, built outside the parser.
  const bool binary = operand.args.size() == 2;
  switch (operand.kind) {
    case Operand::Kind::kPath: {
      const AttributeValue* value = resolvePath(item, operand.path);
      if (!value) return missingAttribute();
      return *value;
    }
    case Operand::Kind::kConstant:
      return operand.constant;
    case Operand::Kind::kIfNotExists: {
      if (!binary) return wrongType();
      const AttributeValue* value = resolvePath(item, operand.args[0].path);
      if (value) return *value;
      return evaluate(operand.args[1], item);
    }
    case Operand::Kind::kListAppend: {
      if (!binary) return wrongType();
      auto first = evaluate(operand.args[0], item);
      if (!first) return first;
      auto second = evaluate(operand.args[1], item);
      if (!second) return second;
      if (!first->is(Type::kL) || !second->is(Type::kL)) return wrongType();
      List joined = std::move(first->l());
      joined.insert(joined.end(), std::make_move_iterator(second->l().begin()),
                    std::make_move_iterator(second->l().end()));
      return AttributeValue(std::move(joined));
    }
    case Operand::Kind::kPlus:
    case Operand::Kind::kMinus: {
      if (!binary) return wrongType();
      auto left = evaluate(operand.args[0], item);
      if (!left) return left;
      auto right = evaluate(operand.args[1], item);
      if (!right) return right;
      if (!left->is(Type::kN) || !right->is(Type::kN)) return wrongType();
      auto result = operand.kind == Operand::Kind::kPlus ? Decimal::add(left->n(), right->n())
                                                         : Decimal::subtract(left->n(), right->n());
      if (!result) return result.takeError();
      return AttributeValue(std::move(*result));
    }
    default:
      return wrongType();  // size() never reaches an update.
  }
}

// Set union or difference on two sets of the same type; `target` is changed in place.
template <typename T>
void combine(std::vector<T>& target, const std::vector<T>& operand, bool add) {
  for (const T& member : operand) {
    auto it = std::find(target.begin(), target.end(), member);
    if (add && it == target.end()) target.push_back(member);
    if (!add && it != target.end()) target.erase(it);
  }
}

template <typename Set>
void combineAs(AttributeValue& target, const AttributeValue& operand, bool add) {
  combine(std::get<Set>(target.value).values, std::get<Set>(operand.value).values, add);
}

bool combineSets(AttributeValue& target, const AttributeValue& operand, bool add) {
  if (target.type() != operand.type()) return false;
  switch (target.type()) {
    case Type::kSS:
      combineAs<StringSet>(target, operand, add);
      return true;
    case Type::kNS:
      combineAs<NumberSet>(target, operand, add);
      return true;
    case Type::kBS:
      combineAs<BinarySet>(target, operand, add);
      return true;
    default:
      return false;
  }
}

bool setIsEmpty(const AttributeValue& set) {
  switch (set.type()) {
    case Type::kSS:
      return std::get<StringSet>(set.value).values.empty();
    case Type::kNS:
      return std::get<NumberSet>(set.value).values.empty();
    case Type::kBS:
      return std::get<BinarySet>(set.value).values.empty();
    default:
      return false;
  }
}

// What one action does once everything is checked.
struct Effect {
  enum class Kind { kWrite, kAppend, kRemove, kNothing };
  Kind kind = Kind::kNothing;
  const DocumentPath* path = nullptr;
  AttributeValue value;
};

// The value holding the last step of `path` (the item itself for a top-level attribute is
// represented by null with `top` set), or null when it does not exist or has the wrong type.
const AttributeValue* parentOf(const Item& item, const DocumentPath& path, bool& top) {
  top = path.size() == 1;
  if (top) return nullptr;
  DocumentPath prefix(path.begin(), path.end() - 1);
  const AttributeValue* parent = resolvePath(item, prefix);
  if (!parent) return nullptr;
  const bool wantList = path.back().isIndex();
  if (wantList ? !parent->is(Type::kL) : !parent->is(Type::kM)) return nullptr;
  return parent;
}

AttributeValue* resolveMutable(Item& item, const DocumentPath& path, size_t length) {
  auto it = item.find(path.front().name);
  if (it == item.end()) return nullptr;
  AttributeValue* value = &it->second;
  for (size_t i = 1; i < length; ++i) {
    if (path[i].isIndex()) {
      if (!value->is(Type::kL) || static_cast<size_t>(path[i].index) >= value->l().size()) {
        return nullptr;
      }
      value = &value->l()[path[i].index];
    } else {
      if (!value->is(Type::kM)) return nullptr;
      auto member = value->m().find(path[i].name);
      if (member == value->m().end()) return nullptr;
      value = &member->second;
    }
  }
  return value;
}

void write(Item& item, const DocumentPath& path, AttributeValue value) {
  if (path.size() == 1) {
    item[path.front().name] = std::move(value);
    return;
  }
  AttributeValue* parent = resolveMutable(item, path, path.size() - 1);
  if (!parent) return;  // Checked before any change; cannot happen.
  if (path.back().isIndex()) {
    List& list = parent->l();
    const auto index = static_cast<size_t>(path.back().index);
    if (index < list.size()) {
      list[index] = std::move(value);
    } else {
      list.push_back(std::move(value));
    }
  } else {
    parent->m()[path.back().name] = std::move(value);
  }
}

void remove(Item& item, const DocumentPath& path) {
  if (path.size() == 1) {
    item.erase(path.front().name);
    return;
  }
  AttributeValue* parent = resolveMutable(item, path, path.size() - 1);
  if (!parent) return;
  if (path.back().isIndex()) {
    if (!parent->is(Type::kL)) return;
    List& list = parent->l();
    const auto index = static_cast<size_t>(path.back().index);
    if (index < list.size()) list.erase(list.begin() + static_cast<std::ptrdiff_t>(index));
  } else if (parent->is(Type::kM)) {
    parent->m().erase(path.back().name);
  }
}

// Removals run from the last path to the first, so removing a[1] cannot shift a[2] before
// a[2].x or a[2] itself is removed.
bool laterPath(const DocumentPath& a, const DocumentPath& b) {
  return std::lexicographical_compare(b.begin(), b.end(), a.begin(), a.end(),
                                      [](const PathElement& x, const PathElement& y) {
                                        if (x.isIndex() != y.isIndex())
                                          return x.isIndex() < y.isIndex();
                                        return x.isIndex() ? x.index < y.index : x.name < y.name;
                                      });
}

Result<Effect> plan(const UpdateAction& action, const Item& item) {
  using K = UpdateAction::Kind;
  Effect effect;
  effect.path = &action.path;
  if (action.path.empty() || action.path.front().isIndex()) return invalidPath();
  bool top = false;
  const AttributeValue* parent = parentOf(item, action.path, top);
  if (action.kind == K::kRemove) {
    // A path under a missing or mismatched parent is an error, except on an item that does not
    // exist yet, where DynamoDB lets REMOVE pass silently.
    if (!top && !parent && !item.empty()) return invalidPath();
    effect.kind = Effect::Kind::kRemove;
    return effect;
  }
  if (!top && !parent) return invalidPath();
  const bool append = parent && action.path.back().isIndex() &&
                      static_cast<size_t>(action.path.back().index) >= parent->l().size();
  const AttributeValue* existing = resolvePath(item, action.path);
  switch (action.kind) {
    case K::kSet: {
      auto value = evaluate(action.value, item);
      if (!value) return value.takeError();
      effect.value = std::move(*value);
      break;
    }
    case K::kAdd: {
      const AttributeValue& operand = action.value.constant;
      if (!existing) {
        effect.value = operand;
      } else if (existing->is(Type::kN) && operand.is(Type::kN)) {
        auto sum = Decimal::add(existing->n(), operand.n());
        if (!sum) return sum.takeError();
        effect.value = AttributeValue(std::move(*sum));
      } else {
        effect.value = *existing;
        if (!combineSets(effect.value, operand, true)) return wrongType();
      }
      break;
    }
    case K::kDelete: {
      if (!existing) return effect;  // Deleting from nothing changes nothing.
      effect.value = *existing;
      if (!combineSets(effect.value, action.value.constant, false)) return wrongType();
      // A set cannot be empty: taking its last members removes the attribute.
      if (setIsEmpty(effect.value)) {
        effect.kind = Effect::Kind::kRemove;
        return effect;
      }
      break;
    }
    case K::kRemove:
      break;
  }
  effect.kind = append ? Effect::Kind::kAppend : Effect::Kind::kWrite;
  return effect;
}

}  // namespace

const std::vector<DocumentPath>& Update::targets() const {
  static const std::vector<DocumentPath> kNone;
  return root ? root->targets : kNone;
}

Status Update::apply(Item& item) const {
  if (!root) return ok();
  std::vector<Effect> effects;
  effects.reserve(root->actions.size());
  for (const auto& action : root->actions) {
    auto effect = plan(action, item);
    if (!effect) return effect.takeError();
    effects.push_back(std::move(*effect));
  }
  std::vector<Effect*> appends;
  std::vector<Effect*> removals;
  for (auto& effect : effects) {
    if (effect.kind == Effect::Kind::kWrite) write(item, *effect.path, std::move(effect.value));
    if (effect.kind == Effect::Kind::kAppend) appends.push_back(&effect);
    if (effect.kind == Effect::Kind::kRemove) removals.push_back(&effect);
  }
  std::stable_sort(appends.begin(), appends.end(), [](const Effect* a, const Effect* b) {
    return a->path->back().index < b->path->back().index;
  });
  for (Effect* effect : appends) write(item, *effect->path, std::move(effect->value));
  std::sort(removals.begin(), removals.end(),
            [](const Effect* a, const Effect* b) { return laterPath(*a->path, *b->path); });
  for (Effect* effect : removals) remove(item, *effect->path);
  return ok();
}

}  // namespace nimbus::aws::dynamodb
