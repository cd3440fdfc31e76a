namespace LakeFs.Core.Model;

/// <summary>Which two trees a diff compares.</summary>
public enum DiffMode
{
    /// <summary>Left against right ("left..right").</summary>
    TwoDot,

    /// <summary>The merge base of left and right against right ("left...right"): what right changed since they parted.</summary>
    ThreeDot,
}
