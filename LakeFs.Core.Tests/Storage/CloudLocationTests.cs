using LakeFs.Storage;

namespace LakeFs.Core.Tests.Storage;

public sealed class CloudLocationTests
{
    [TestCase("s3://bucket", "bucket", "")]
    [TestCase("s3://bucket/", "bucket", "")]
    [TestCase("s3://bucket/lakes/sales", "bucket", "lakes/sales/")]
    [TestCase("S3://bucket/lakes/sales/", "bucket", "lakes/sales/")]
    public void A_location_names_the_bucket_and_a_prefix_ending_in_a_slash(string location, string bucket, string prefix)
    {
        var parsed = CloudLocation.Parse(location, "s3");

        Assert.That(parsed.Container, Is.EqualTo(bucket));
        Assert.That(parsed.Prefix, Is.EqualTo(prefix));
    }

    [TestCase("gs://bucket/x")]
    [TestCase("s3:/bucket")]
    [TestCase("s3:///prefix")]
    public void A_location_with_another_scheme_or_no_bucket_is_rejected(string location) =>
        Assert.That(() => CloudLocation.Parse(location, "s3"), Throws.ArgumentException);

    [TestCase("s3://bucket/a//b")]
    [TestCase("s3://bucket/../b")]
    [TestCase("s3://bucket/a\\b")]
    public void A_prefix_that_breaks_the_key_rules_is_rejected(string location) =>
        Assert.That(() => CloudLocation.Parse(location, "s3"), Throws.InstanceOf<InvalidStorageKeyException>());
}
