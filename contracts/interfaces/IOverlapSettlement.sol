// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IClaimLedgerClient} from "./IClaimLedgerClient.sol";
import {IMemberSigned} from "./IMemberSigned.sol";

/**
 * @title IOverlapSettlement
 * @notice Shared decarbonisation between supply-chain partners whose footprints overlap.
 *
 * Flow: an active party firm (or a relayer) proposes {Terms}; the settlement id is the EIP-712
 * struct hash of the terms. Every party signs a {Consent} before the terms' signing deadline;
 * with the last consent the settlement is `Agreed` (nobody is bound without its own
 * signature, and any party may {decline} before then). An auditor attests the realised
 * reduction ({ReductionAttestation}); it is allocated to the parties by their shares. Each
 * party may cite its allocation in one of its active reduction claims ({Citation}). Each party
 * records payments ({Payment}) towards its share of the project cost; when every party has
 * paid its share in full the settlement is `Settled`.
 *
 * Rounding: a party's allocation is `floor(realised * shareBps / 10_000)` and its cost share
 * `floor(totalCost * shareBps / 10_000)`; the few units left over by rounding (fewer than the
 * number of parties) go to the party with the largest share (the first such party in the
 * terms on a tie). So allocations sum to exactly the realised reduction, never more, and cost
 * shares sum to exactly the total cost.
 *
 * Double counting: an allocation is cited by at most one active claim. If the citing claim is
 * later superseded or revoked, the allocation may be cited again (e.g. by the amendment).
 */
interface IOverlapSettlement is IMemberSigned, IClaimLedgerClient {
    /// @notice Lifecycle of a settlement. `Expired` is never stored: {settlementOf} reports a
    /// `Proposed` settlement whose signing deadline passed as `Expired`.
    enum SettlementStatus {
        None,
        Proposed,
        Agreed,
        Declined,
        Settled,
        Expired
    }

    /**
     * @notice The terms of a settlement (EIP-712 type `Terms`, field order as here).
     * @param parties Two or more distinct active member firms.
     * @param sharesBps Each party's cost share in basis points, summing to exactly 10,000.
     * @param claimIds The claims whose overlap this addresses (each an active claim of a party).
     * @param overlapKgCO2e The overlapping emissions in kgCO2e.
     * @param shipmentRoot Merkle root of the shared shipment set.
     * @param projectHash Hash of the decarbonisation project's description.
     * @param totalCost Total cost of the project in minor units of `currency`.
     * @param currency ISO-4217 code, three upper-case ASCII letters.
     * @param expectedReductionKgCO2e Expected reduction in kgCO2e.
     * @param signingDeadline Last unix second at which a party may consent.
     */
    struct Terms {
        address[] parties;
        uint16[] sharesBps;
        bytes32[] claimIds;
        uint64 overlapKgCO2e;
        bytes32 shipmentRoot;
        bytes32 projectHash;
        uint128 totalCost;
        bytes3 currency;
        uint64 expectedReductionKgCO2e;
        uint64 signingDeadline;
    }

    /// @notice A party's consent (EIP-712 type `Consent`).
    struct Consent {
        bytes32 settlementId;
        address party;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice A party declining (EIP-712 type `Decline`).
    struct Decline {
        bytes32 settlementId;
        address party;
        bytes32 reasonHash;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice An auditor's attestation of the realised reduction (EIP-712 type `ReductionAttestation`).
    struct ReductionAttestation {
        bytes32 settlementId;
        address auditor;
        uint64 realisedKgCO2e;
        bytes32 evidenceHash;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice A party citing its allocation in one of its reduction claims (EIP-712 type `Citation`).
    struct Citation {
        bytes32 settlementId;
        address party;
        bytes32 claimId;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice A payment by `payer` towards its cost share (EIP-712 type `Payment`).
    struct Payment {
        bytes32 settlementId;
        address payer;
        uint128 amount;
        bytes32 referenceHash;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice A settlement as {settlementOf} returns it.
    struct SettlementView {
        SettlementStatus status;
        uint64 signingDeadline;
        uint8 consents;
        uint8 paidInFull;
        bool reductionRecorded;
        uint64 realisedKgCO2e;
        uint128 totalCost;
        bytes3 currency;
        address[] parties;
    }

    /// @notice A party's position in a settlement.
    struct PartyView {
        uint16 shareBps;
        bool consented;
        uint64 allocationKgCO2e;
        uint128 costShare;
        uint128 paid;
        bytes32 citingClaim;
    }

    // ------------------------------------------------------------------ errors

    /// @notice A constructor address was zero.
    error OverlapSettlementZeroAddress();
    /// @notice `account` may not propose: it is neither an active party firm nor an active relayer.
    error OverlapSettlementUnauthorizedProposer(address account);
    /// @notice `count` parties: at least two are needed.
    error OverlapSettlementTooFewParties(uint256 count);
    /// @notice `count` parties: at most {MAX_PARTIES} are allowed.
    error OverlapSettlementTooManyParties(uint256 count);
    /// @notice `parties` and `shares` differ in length.
    error OverlapSettlementLengthMismatch(uint256 parties, uint256 shares);
    /// @notice `party` appears twice.
    error OverlapSettlementDuplicateParty(address party);
    /// @notice `party` is not an active member firm.
    error OverlapSettlementInactiveParty(address party);
    /// @notice `party` has a zero share.
    error OverlapSettlementZeroShare(address party);
    /// @notice The shares sum to `totalBps`, not 10,000.
    error OverlapSettlementInvalidShareTotal(uint256 totalBps);
    /// @notice The terms name no claim.
    error OverlapSettlementNoClaims();
    /// @notice Claim `claimId` is not an active claim of a party (`firm` is its owner, zero if unknown).
    error OverlapSettlementClaimNotOfParty(bytes32 claimId, address firm);
    /// @notice The project's total cost is zero.
    error OverlapSettlementZeroCost();
    /// @notice `currency` is not three upper-case ASCII letters.
    error OverlapSettlementInvalidCurrency(bytes3 currency);
    /// @notice The signing deadline `signingDeadline` has already passed.
    error OverlapSettlementDeadlinePassed(uint64 signingDeadline);
    /// @notice Settlement `settlementId` was already proposed.
    error OverlapSettlementDuplicateProposal(bytes32 settlementId);
    /// @notice No settlement `settlementId` was proposed.
    error OverlapSettlementUnknownSettlement(bytes32 settlementId);
    /// @notice Settlement `settlementId` is `status`, which does not allow the action.
    error OverlapSettlementUnexpectedStatus(bytes32 settlementId, SettlementStatus status);
    /// @notice `account` is not a party of settlement `settlementId`.
    error OverlapSettlementNotParty(bytes32 settlementId, address account);
    /// @notice `party` already consented to settlement `settlementId`.
    error OverlapSettlementAlreadyConsented(bytes32 settlementId, address party);
    /// @notice The signature's `deadline` has passed.
    error OverlapSettlementExpiredSignature(uint256 deadline);
    /// @notice `account` is not an active member holding `role`.
    error OverlapSettlementMissingRole(address account, uint8 role);
    /// @notice The signature is not one of `signingKey`, the current key of `account`.
    error OverlapSettlementInvalidSignature(address account, address signingKey);
    /// @notice `nonce` of `account` was already used.
    error OverlapSettlementNonceAlreadyUsed(address account, uint256 nonce);
    /// @notice `nonce` of `account` is ahead of the `expected` next nonce.
    error OverlapSettlementNonceOutOfOrder(address account, uint256 expected, uint256 nonce);
    /// @notice `auditor` is a party of the settlement it attests.
    error OverlapSettlementAuditorIsParty(address auditor);
    /// @notice The realised reduction is zero.
    error OverlapSettlementZeroReduction();
    /// @notice The realised reduction of settlement `settlementId` was already recorded.
    error OverlapSettlementReductionAlreadyRecorded(bytes32 settlementId);
    /// @notice The realised reduction of settlement `settlementId` is not recorded yet.
    error OverlapSettlementReductionNotRecorded(bytes32 settlementId);
    /// @notice `party` was allocated nothing in settlement `settlementId`.
    error OverlapSettlementZeroAllocation(bytes32 settlementId, address party);
    /// @notice Claim `claimId` is not an active reduction claim of `party`.
    error OverlapSettlementNotReductionOfParty(bytes32 claimId, address party);
    /// @notice The allocation of `party` is already cited by the active claim `claimId`.
    error OverlapSettlementAllocationAlreadyCited(bytes32 settlementId, address party, bytes32 claimId);
    /// @notice A payment of zero.
    error OverlapSettlementZeroPayment();
    /// @notice Paying would bring `payer` to `paidAfter`, above its cost share `costShare`.
    error OverlapSettlementOverpayment(bytes32 settlementId, address payer, uint128 costShare, uint256 paidAfter);

    // ------------------------------------------------------------------ events

    /// @notice `proposer` proposed settlement `settlementId` on `terms`.
    event SettlementProposed(bytes32 indexed settlementId, address indexed proposer, Terms terms);
    /// @notice `party` consented; `consents` parties have consented so far.
    event SettlementConsented(bytes32 indexed settlementId, address indexed party, uint256 consents);
    /// @notice Every party consented: the settlement is agreed.
    event SettlementAgreed(bytes32 indexed settlementId);
    /// @notice `party` declined the proposed settlement for the reason under `reasonHash`.
    event SettlementDeclined(bytes32 indexed settlementId, address indexed party, bytes32 reasonHash);
    /// @notice `auditor` attested the realised reduction with evidence under `evidenceHash`.
    event ReductionRecorded(
        bytes32 indexed settlementId, address indexed auditor, uint64 realisedKgCO2e, bytes32 evidenceHash
    );
    /// @notice `party`'s allocation of `allocationKgCO2e` is cited by its claim `claimId`
    /// (replacing `previousClaimId`, a claim no longer active, or zero).
    event AllocationCited(
        bytes32 indexed settlementId,
        address indexed party,
        bytes32 indexed claimId,
        uint64 allocationKgCO2e,
        bytes32 previousClaimId
    );
    /// @notice `payer` paid `amount` (reference under `referenceHash`); it has paid `paidTotal` so far.
    event PaymentRecorded(
        bytes32 indexed settlementId, address indexed payer, uint128 amount, bytes32 referenceHash, uint128 paidTotal
    );
    /// @notice Every party paid its cost share: the settlement is settled.
    event SettlementSettled(bytes32 indexed settlementId);

    // ------------------------------------------------------------------ functions

    /// @notice Propose a settlement (caller: an active firm that is a party, or an active relayer).
    /// @return settlementId The EIP-712 struct hash of `terms`.
    function propose(Terms calldata terms) external returns (bytes32 settlementId);

    /// @notice Record a party's signed consent; the last one makes the settlement agreed.
    function consent(Consent calldata consent_, bytes calldata signature) external;

    /// @notice Record a party's signed refusal of a proposed settlement.
    function decline(Decline calldata decline_, bytes calldata signature) external;

    /// @notice Record the realised reduction of an agreed (or settled) settlement, as attested
    /// by an active auditor who is not a party.
    function recordReduction(ReductionAttestation calldata attestation, bytes calldata signature) external;

    /// @notice Record that a party's allocation is cited by one of its active reduction claims.
    function citeAllocation(Citation calldata citation, bytes calldata signature) external;

    /// @notice Record a party's signed payment towards its cost share of an agreed settlement.
    function recordPayment(Payment calldata payment, bytes calldata signature) external;

    /// @notice A settlement (status `None` when unknown).
    function settlementOf(bytes32 settlementId) external view returns (SettlementView memory);

    /// @notice A party's position in a settlement (all zero when not a party).
    function partyOf(bytes32 settlementId, address party) external view returns (PartyView memory);

    /// @notice The settlement id of `terms` (their EIP-712 struct hash).
    function hashTerms(Terms calldata terms) external pure returns (bytes32);

    /// @notice The EIP-712 struct hash of `consent_` (what a signer signs, under {DOMAIN_SEPARATOR}).
    function hashConsent(Consent calldata consent_) external pure returns (bytes32 structHash);

    /// @notice The EIP-712 struct hash of `decline_` (what a signer signs, under {DOMAIN_SEPARATOR}).
    function hashDecline(Decline calldata decline_) external pure returns (bytes32 structHash);

    /// @notice The EIP-712 struct hash of `attestation` (what a signer signs, under {DOMAIN_SEPARATOR}).
    function hashReductionAttestation(ReductionAttestation calldata attestation)
        external
        pure
        returns (bytes32 structHash);

    /// @notice The EIP-712 struct hash of `citation` (what a signer signs, under {DOMAIN_SEPARATOR}).
    function hashCitation(Citation calldata citation) external pure returns (bytes32 structHash);

    /// @notice The EIP-712 struct hash of `payment` (what a signer signs, under {DOMAIN_SEPARATOR}).
    function hashPayment(Payment calldata payment) external pure returns (bytes32 structHash);
}
