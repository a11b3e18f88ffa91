// Names that the configuration and the DynamoDB service must agree on, kept here so that neither
// depends on the other.
#pragma once

#include <string_view>

namespace nimbus {

// The label in the stream ARN that `Fn::GetAtt Table.StreamArn` gives for a table of
// serverless.yml: arn:aws:dynamodb:{region}:{account}:table/{name}/stream/nimbus-latest.
// DynamoDB labels a stream with the time it was created ("2015-11-30T20:10:00.000"), which the
// configuration cannot know before the table exists; the DynamoDB service, its Streams API and
// event source mappings read an ARN with this label as the table's current stream.
inline constexpr std::string_view kProjectStreamLabel = "nimbus-latest";

}  // namespace nimbus
