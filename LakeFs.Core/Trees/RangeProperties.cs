namespace LakeFs.Core.Trees;

/// <summary>The properties block of a range file. <see cref="DataBytes"/> is the sum of key and value lengths.</summary>
internal sealed record RangeProperties(byte[] MinKey, byte[] MaxKey, long Count, long DataBytes);
