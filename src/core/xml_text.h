// Text in XML documents, as the query and REST-XML protocols (SQS, SNS, S3) write their answers.
#pragma once

#include <string>
#include <string_view>

namespace nimbus {

// Appends `text` escaped for XML element content and attribute values: the five predefined
// entities, carriage returns as a character reference (a parser would turn a raw one into a
// line feed), and the control characters XML 1.0 cannot carry replaced by U+FFFD.
void appendXmlEscaped(std::string& out, std::string_view text);

// `text` escaped as appendXmlEscaped escapes it.
std::string xmlEscaped(std::string_view text);

}  // namespace nimbus
