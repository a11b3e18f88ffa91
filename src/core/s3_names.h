// S3's rule for bucket names, which the configuration (a bucket of serverless.yml) and the S3
// service (CreateBucket) must agree on, kept here so that neither depends on the other.
#pragma once

#include <string_view>

namespace nimbus {

// 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or a
// digit; not two dots in a row, not an IP address, none of the prefixes and suffixes S3 keeps.
bool isValidBucketName(std::string_view name);

}  // namespace nimbus
