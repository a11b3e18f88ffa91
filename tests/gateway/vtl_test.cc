// The Velocity subset of API Gateway mapping templates.
#include "gateway/vtl.h"

#include <gtest/gtest.h>

namespace nimbus::gateway::vtl {
namespace {

std::string render(const std::string& source, std::map<std::string, Value> vars = {}) {
  std::string error;
  auto t = Template::parse(source, error);
  if (!t) return "PARSE ERROR: " + error;
  auto result = t->render(std::move(vars));
  if (!result.ok) return "RENDER ERROR: " + result.error;
  return result.output;
}

TEST(VtlTest, ReferencesAndText) {
  std::map<std::string, Value> vars = {
      {"name", Value::of("world")},
      {"obj", Value::ofMap({{"a", Value::of(1.0, true)}, {"b", Value::of("x")}})},
      {"list", Value::ofList({Value::of("p"), Value::of("q")})}};
  EXPECT_EQ(render("hello $name, ${name}!", vars), "hello world, world!");
  EXPECT_EQ(render("$obj.a-$obj.b $list[1] $list.size() $obj.get('b')", vars), "1-x q 2 x");
  // An absent value prints as nothing, quiet or not (as API Gateway prints it).
  EXPECT_EQ(render("[$missing][$!missing][$obj.none]", vars), "[][][]");
  // Java's toString for collections; a '$' that starts no reference is text.
  EXPECT_EQ(render("$obj $list costs $5 or $.", vars), "{a=1, b=x} [p, q] costs $5 or $.");
  EXPECT_EQ(render("a # b ## comment\nc #* block *#d #[[$raw]]#"), "a # b c d $raw");
}

TEST(VtlTest, SetIfAndComparisons) {
  EXPECT_EQ(render("#set($x = 5)#if($x > 3)big#elseif($x > 1)mid#{else}small#end"), "big");
  EXPECT_EQ(render("#set($x = 2)#if($x > 3)big#elseif($x > 1)mid#{else}small#end"), "mid");
  EXPECT_EQ(render("#set($x = 0)#if($x > 3)big#elseif($x > 1)mid#{else}small#end"), "small");
  EXPECT_EQ(render("#if($s == 'a' && !$t || $n != 2)y#{else}n#end",
                   {{"s", Value::of("a")}, {"n", Value::of(2.0, true)}}),
            "y");
  EXPECT_EQ(render("#if($missing)y#{else}n#end#if($e)y#end", {{"e", Value::of("")}}), "ny");
  // Numbers and strings compare by their text, as Velocity compares different classes.
  EXPECT_EQ(render("#if($n == '7')eq#end", {{"n", Value::of(7.0, true)}}), "eq");
  EXPECT_EQ(render("#set($a = 7 / 2)#set($b = 7.0 / 2)$a $b #set($c = 'x' + 1)$c"), "3 3.5 x1");
  EXPECT_EQ(render("#set($m = {'k': [1, 2]})$m.k[0] #set($m.z = 'q')$m.z"), "1 q");
}

TEST(VtlTest, ForeachWithHasNext) {
  std::map<std::string, Value> vars = {
      {"m", Value::ofMap({{"a", Value::of("1")}, {"b", Value::of("2")}})}};
  EXPECT_EQ(render("{#foreach($k in $m.keySet())\"$k\":\"$m.get($k)\"#if($foreach.hasNext),#end"
                   "#end}",
                   vars),
            R"({"a":"1","b":"2"})");
  EXPECT_EQ(render("#foreach($i in [1..3])$i:$foreach.index:$velocityCount #end"),
            "1:0:1 2:1:2 3:2:3 ");
  EXPECT_EQ(render("#foreach($i in [1..5])#if($i == 3)#break#end$i#end"), "12");
}

TEST(VtlTest, DirectiveLinesLeaveNoBlankLines) {
  EXPECT_EQ(render("{\n  #set($a = 1)\n  #if($a)\n  \"a\": $a\n  #end\n}\n"), "{\n  \"a\": 1\n}\n");
}

TEST(VtlTest, DefineRendersWhereReferenced) {
  EXPECT_EQ(render("#define($greet)hi $who#end#set($who = 'a')$greet/#set($who = 'b')$greet"),
            "hi a/hi b");
}

TEST(VtlTest, StringMethods) {
  std::map<std::string, Value> vars = {{"s", Value::of("a=1&b=2&")}};
  EXPECT_EQ(render("#foreach($p in $s.split('&'))[$p]#end", vars), "[a=1][b=2]");
  EXPECT_EQ(render("$s.split('&').size() $s.replaceAll('[0-9]', '#') $s.length()", vars),
            "2 a=#&b=#& 8");
  // The Framework's templates undo escapeJavaScript's \' with replaceAll("\\'", "'").
  EXPECT_EQ(render("$t.replaceAll(\"\\\\'\", \"'\")", {{"t", Value::of("it\\'s")}}), "it's");
  EXPECT_EQ(render("$s.toUpperCase() $s.contains('b=') $s.substring(0, 3) $s.indexOf('&')", vars),
            "A=1&B=2& true a=1 3");
  EXPECT_EQ(render("#set($q = \"x$s.length()y\")$q", vars), "x8y");
}

TEST(VtlTest, ParseErrorsNameTheLine) {
  std::string error;
  EXPECT_FALSE(Template::parse("a\n#if($x)\nb", error));
  EXPECT_NE(error.find("#if without #end"), std::string::npos) << error;
  EXPECT_FALSE(Template::parse("ok\n#end", error));
  EXPECT_EQ(error, "line 2: #end without a block");
  EXPECT_FALSE(Template::parse("#set($a = )", error));
}

TEST(VtlTest, JsonRoundTrip) {
  auto v = parseJson(R"({"b":1,"a":[true,null,"x\"y",1.5,{"c":"\u00e9"}]})");
  ASSERT_TRUE(v);
  EXPECT_EQ(toJson(*v), "{\"b\":1,\"a\":[true,null,\"x\\\"y\",1.5,{\"c\":\"\xC3\xA9\"}]}");
  EXPECT_EQ(toText(*v), "{b=1, a=[true, null, x\"y, 1.5, {c=\xC3\xA9}]}");
  EXPECT_FALSE(parseJson("{\"a\":"));
  EXPECT_FALSE(parseJson("a=1"));
}

}  // namespace
}  // namespace nimbus::gateway::vtl
